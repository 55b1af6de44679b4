// Where the runtime and its state are, from the runc options (kept apart from options.ts so that the
// short-lived `delete` action does not load the protobuf codec).
export const DEFAULT_RUNC_ROOT = '/run/containerd/runc';
export const DEFAULT_RUNC_BINARY = 'runc';

export function runcBinary(o: { binary_name?: string }): string {
  return o.binary_name || DEFAULT_RUNC_BINARY;
}

export function runcRoot(o: { root?: string }, namespace: string): string {
  return `${o.root || DEFAULT_RUNC_ROOT}/${namespace}`;
}
