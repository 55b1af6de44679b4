import { release } from 'node:os';

export interface KernelVersion {
  major: number;
  minor: number;
}

/** Reads `major.minor` from a `uname -r` style string; null when it has no such prefix. */
export function parseKernelVersion(text: string): KernelVersion | null {
  const match = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function hostKernelVersion(): KernelVersion | null {
  return parseKernelVersion(release());
}

export function kernelAtLeast(kernel: KernelVersion, wanted: KernelVersion): boolean {
  return kernel.major > wanted.major || (kernel.major === wanted.major && kernel.minor >= wanted.minor);
}
