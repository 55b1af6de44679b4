// Writes <dist>/build-info.json: the package version and the git revision the build was made from, which the
// shim's -v and -info report and `tsshim --version` prints. Recorded at build time rather than read at run time
// because an installed package has no git checkout beside it, and kept out of the code so that a version bump or
// a commit changes no source file.
//
// The revision is `git rev-parse HEAD`, with ".m" appended when the working tree differs from it (containerd's
// own convention for builds from a modified tree); TSSHIM_BUILD_REVISION names it instead (a build from a copy
// of the sources with no .git, such as the package test's); "unknown" when neither says.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function git(args, cwd) {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** The revision of the checkout at root, or undefined when root is not in a git work tree. */
export function gitRevision(root = repoRoot) {
  // a copy of the sources under some other repository's tree must not take that repository's revision
  const top = git(['rev-parse', '--show-toplevel'], root);
  if (top === undefined || resolve(top) !== resolve(root)) return undefined;
  const head = git(['rev-parse', 'HEAD'], root);
  if (head === undefined) return undefined;
  // `git diff --quiet` exits 1 when tracked files differ; untracked files do not count, as in containerd's Makefile
  const dirty = spawnSync('git', ['diff', '--no-ext-diff', '--quiet', 'HEAD'], {
    cwd: root,
    stdio: 'ignore',
  });
  return dirty.status === 1 ? `${head}.m` : head;
}

export function buildInfo(root = repoRoot, env = process.env) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const revision = env.TSSHIM_BUILD_REVISION || gitRevision(root) || 'unknown';
  return { version, revision };
}

export function writeBuildInfo(outdir, root = repoRoot) {
  const info = buildInfo(root);
  writeFileSync(join(outdir, 'build-info.json'), `${JSON.stringify(info)}\n`);
  return info;
}
