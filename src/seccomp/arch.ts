// Architectures are named as Go's GOARCH (the names containerd keys its profile on), not as Node's process.arch.

export const GO_ARCHES = [
  '386',
  'amd64',
  'arm',
  'arm64',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390x',
] as const;

export type GoArch = (typeof GO_ARCHES)[number];

const FROM_NODE_ARCH: Record<string, GoArch> = {
  ia32: '386',
  x64: 'amd64',
  arm: 'arm',
  arm64: 'arm64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
  s390x: 's390x',
};

export function isGoArch(name: string): name is GoArch {
  return (GO_ARCHES as readonly string[]).includes(name);
}

/** The GOARCH of the machine we run on (Node only ships little-endian ppc64 builds, hence ppc64le). */
export function hostGoArch(nodeArch: string = process.arch): GoArch {
  const arch = FROM_NODE_ARCH[nodeArch];
  if (!arch) throw new Error(`unsupported architecture: ${nodeArch}`);
  return arch;
}
