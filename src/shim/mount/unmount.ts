// Unmounting everything at and below a path, deepest first, as containerd's UnmountRecursive does.
import { readFileSync } from 'node:fs';
import { native } from '../../native/index.ts';
import { MNT_DETACH } from './options.ts';

/** mountinfo escapes spaces and a few other characters as octal */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function mountPointsUnder(
  target: string,
  mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'),
): string[] {
  const base = target.replace(/\/+$/, '');
  const points = mountinfo
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((p) => p === base || p.startsWith(`${base}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function errnoCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

export function unmountAll(target: string): void {
  for (;;) {
    const points = mountPointsUnder(target);
    if (points.length === 0) return;
    for (const p of points) {
      try {
        native().umount2(p, 0);
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EINVAL' || code === 'ENOENT') continue;
        if (code === 'EBUSY') native().umount2(p, MNT_DETACH);
        else throw err;
      }
    }
    // a stacked mount point appears once per layer; loop until none is left, but never spin on one that stays
    const left = mountPointsUnder(target);
    if (left.length >= points.length) throw new Error(`failed to unmount ${left[0]}`);
  }
}
