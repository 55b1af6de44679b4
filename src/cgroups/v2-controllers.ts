// On cgroup v2 the Go shim (2.x) enables every root controller in the subtree_control of each ancestor of the
// container's cgroup, so that the container's own controller files exist. Failures are reported, not thrown.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `path` is the cgroup path as /proc/<pid>/cgroup names it ("/a/b/c"): writes root, /a and /a/b */
export function enableAncestorControllers(root: string, path: string): string[] {
  const problems: string[] = [];
  let controllers: string[];
  try {
    controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch (err) {
    return [`cannot read ${join(root, 'cgroup.controllers')}: ${(err as Error).message}`];
  }
  if (controllers.length === 0) return problems;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const value = controllers.map((c) => `+${c}`).join(' ');
  for (let depth = 0; depth < parts.length; depth++) {
    const file = join(root, ...parts.slice(0, depth), 'cgroup.subtree_control');
    try {
      writeFileSync(file, value);
    } catch (err) {
      problems.push(`cannot enable controllers in ${file}: ${(err as Error).message}`);
    }
  }
  return problems;
}
