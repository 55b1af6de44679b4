// Where the shim binary of this package is (bin/containerd-shim-tsshim-v2), or $TSSHIM_SHIM_BINARY.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the tsshim package root');
    dir = up;
  }
  return dir;
}

export function shimBinary(): string {
  return process.env.TSSHIM_SHIM_BINARY ?? join(packageRoot(), 'bin', 'containerd-shim-tsshim-v2');
}
