// -v and -info name the package version and the git revision of the build, which the build records in
// dist/build-info.json: the revision of a modified tree is marked, a copy with no git names none of another
// repository's, and TSSHIM_BUILD_REVISION names it where there is no git.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInfo, gitRevision, writeBuildInfo } from '../../../scripts/build-info.mjs';
import { buildInfo as readBuildInfo } from '../../../src/build-info.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsshim-build-info-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

function checkout(name: string): { root: string; head: string } {
  const root = join(dir, name);
  mkdirSync(root);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tsshim', version: '1.2.3' }));
  git(root, 'init', '-q');
  git(root, 'add', 'package.json');
  git(root, 'commit', '-qm', 'first');
  return { root, head: git(root, 'rev-parse', 'HEAD') };
}

describe('build info', () => {
  test('a clean checkout is its HEAD commit; a modified one is marked .m', () => {
    const { root, head } = checkout('repo');
    assert.equal(gitRevision(root), head);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tsshim', version: '1.2.4' }));
    assert.equal(gitRevision(root), `${head}.m`);
    assert.deepEqual(buildInfo(root, {}), { version: '1.2.4', revision: `${head}.m` });
  });

  test('a copy of the sources inside another repository takes none of its revision', () => {
    const { root } = checkout('outer');
    const copy = join(root, 'copy');
    mkdirSync(copy);
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'tsshim', version: '1.0.0' }));
    assert.equal(gitRevision(copy), undefined);
    assert.deepEqual(buildInfo(copy, {}), { version: '1.0.0', revision: 'unknown' });
    assert.deepEqual(buildInfo(copy, { TSSHIM_BUILD_REVISION: 'abc123' }), {
      version: '1.0.0',
      revision: 'abc123',
    });
  });

  test('what the build writes is what a bundle below dist reads', () => {
    const { root, head } = checkout('built');
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'shim'), { recursive: true });
    writeBuildInfo(dist, root);
    assert.deepEqual(JSON.parse(readFileSync(join(dist, 'build-info.json'), 'utf8')), {
      version: '1.2.3',
      revision: head,
    });
    // dist/shim/main.cjs and dist/chunks/*.mjs look from their own directory; the sources (tests) from src/...
    assert.deepEqual(readBuildInfo(join(dist, 'shim')), { version: '1.2.3', revision: head });
    assert.deepEqual(readBuildInfo(join(root, 'src', 'shim')), { version: '1.2.3', revision: head });
    assert.deepEqual(readBuildInfo(join(dir, 'nowhere')), { version: 'unknown', revision: 'unknown' });
  });
});
