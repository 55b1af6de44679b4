// A minimal busybox root filesystem built from the host's static busybox (Debian's busybox-static): the
// README's first container and every test that needs a rootfs (directly for runc, or packed into an OCI image
// for containerd). Run as a script, it builds the tree once and prints its path.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(repoRoot, '.cache');
export const hostBusybox = '/bin/busybox';

const rootfsDir = join(cacheDir, 'rootfs', 'busybox');

/** Directory of a busybox rootfs (bin/busybox plus one symlink per applet); built once, then reused. */
export function busyboxRootfs(): string {
  if (existsSync(join(rootfsDir, 'bin', 'busybox'))) return rootfsDir;
  if (!existsSync(hostBusybox)) {
    throw new Error(
      `${hostBusybox} is missing: apt-get install busybox-static (scripts/install-deps.sh does)`,
    );
  }
  // Build beside the final place and rename, so concurrent test files never see a half-built tree.
  const tmp = `${rootfsDir}.tmp.${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const dir of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'run', 'var']) {
    mkdirSync(join(tmp, dir), { recursive: true });
  }
  chmodSync(join(tmp, 'tmp'), 0o1777);
  copyFileSync(hostBusybox, join(tmp, 'bin', 'busybox'));
  chmodSync(join(tmp, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(hostBusybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'busybox' && !name.includes('/'));
  for (const applet of applets) symlinkSync('busybox', join(tmp, 'bin', applet));
  writeFileSync(
    join(tmp, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(tmp, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(tmp, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  mkdirSync(dirname(rootfsDir), { recursive: true });
  try {
    renameSync(tmp, rootfsDir);
  } catch (err) {
    // Another process finished first: its tree is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(rootfsDir, 'bin', 'busybox'))) throw err;
  }
  return rootfsDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${busyboxRootfs()}\n`);
}
