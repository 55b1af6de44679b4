// Huge page sizes as cgroup file names spell them ("2MB", "1GB"), from /sys/kernel/mm/hugepages/hugepages-<n>kB.
import { readdirSync } from 'node:fs';

export const DEFAULT_HUGEPAGES_DIR = '/sys/kernel/mm/hugepages';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function pageSizeName(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size}${UNITS[unit]}`;
}

export function hugePageSizes(dir = DEFAULT_HUGEPAGES_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const sizes: string[] = [];
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (m) sizes.push(pageSizeName(Number(m[1]) * 1024));
  }
  return sizes;
}
