// A containerd with its CRI plugin on (the shared helper turns it off), configured with a given TOML fragment,
// to check that containerd takes a runtime handler configuration and what the CRI plugin made of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcUnary, messageFields, stringMapField } from '../../../src/cli/grpc.ts';
import { containerdBinaries, type ContainerdVersion } from '../../helpers/containerd.ts';

/** Plugins that would touch the host outside the daemon's directories (NRI's socket, /opt) or need what this
 *  machine lacks; CRI and what it needs stay on. */
const DISABLED = [
  'io.containerd.internal.v1.opt',
  'io.containerd.nri.v1.nri',
  'io.containerd.internal.v1.tracing',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.blockfile',
  'io.containerd.snapshotter.v1.erofs',
  'io.containerd.differ.v1.erofs',
];

export interface CriDaemon {
  address: string;
  log(): string;
  /** the CRI plugin's configuration as it runs with it (RuntimeService.Status, verbose) */
  criConfig(): Promise<CriConfig>;
  stop(): Promise<void>;
}

export interface CriConfig {
  containerd: { runtimes: Record<string, { runtimeType: string }> };
}

/** config version 2 for 1.6 and 1.7, 3 for 2.x */
export function configVersion(version: ContainerdVersion): 2 | 3 {
  return version === '2' ? 3 : 2;
}

export async function startCriDaemon(
  version: ContainerdVersion,
  fragment: string,
  env: NodeJS.ProcessEnv,
): Promise<CriDaemon> {
  const base = mkdtempSync(join(tmpdir(), 'tsshim-cri-'));
  const address = join(base, 'containerd.sock');
  const logPath = join(base, 'containerd.log');
  const config = [
    `version = ${configVersion(version)}`,
    `root = ${JSON.stringify(join(base, 'root'))}`,
    `state = ${JSON.stringify(join(base, 'state'))}`,
    `disabled_plugins = [${DISABLED.map((p) => JSON.stringify(p)).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '',
    fragment,
  ].join('\n');
  writeFileSync(join(base, 'config.toml'), config);
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    containerdBinaries(version).containerd,
    ['--config', join(base, 'config.toml')],
    { env, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(base, { recursive: true, force: true });
  };

  const status = async (): Promise<Record<string, string>> => {
    // StatusRequest{verbose: true}; StatusResponse.info (field 2) holds the config as JSON
    const out = await grpcUnary(address, '/runtime.v1.RuntimeService/Status', Uint8Array.of(0x08, 1));
    return stringMapField(messageFields(out), 2);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const text = log();
      await stop();
      throw new Error(`containerd ${version} exited at start with this configuration:\n${config}\n${text}`);
    }
    // a CRI plugin that refuses its configuration leaves the daemon running without the CRI service
    const refused = log()
      .split('\n')
      .find((l) => /failed to load plugin.*cri/.test(l));
    if (refused) {
      await stop();
      throw new Error(`containerd ${version} refused this configuration:\n${config}\n${refused}`);
    }
    const ready =
      existsSync(address) &&
      (await status()
        .then(() => true)
        .catch(() => false));
    if (ready) break;
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`containerd ${version}'s CRI service did not answer within 30 s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    address,
    log,
    async criConfig(): Promise<CriConfig> {
      const info = await status();
      if (!info.config) throw new Error(`no config in the CRI status: ${Object.keys(info).join(', ')}`);
      return JSON.parse(info.config) as CriConfig;
    },
    stop,
  };
}
