// The busybox rootfs lives with the scripts, since the README's first command builds it too.
export { busyboxRootfs, cacheDir, hostBusybox, repoRoot } from '../../scripts/busybox-rootfs.ts';
