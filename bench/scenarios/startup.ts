// Process start-up alone, no containerd: what `node` costs, what tsshim's entry and `start` load, and what
// `start` would cost if it loaded the daemon's modules too (the lever: a start action that loads none).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { containerdBinaries } from '../../test/helpers/containerd.ts';
import { interleaved } from '../lib/interleave.ts';
import type { Builds } from '../lib/builds.ts';

export interface StartupCommand {
  key: string;
  label: string;
  cmd: string;
  args: string[];
  /** environment changes for this command (undefined: remove the variable) */
  env?: Record<string, string | undefined>;
}

/** what bin/containerd-shim-tsshim-v2 takes out of the environment before starting node */
const shimEnv = { NODE_EXTRA_CA_CERTS: undefined, NODE_OPTIONS: undefined };

/** The bundle of an action ('start', 'daemon'); the one-file build has none (its main.cjs holds them all). */
function actionBundle(distDir: string, action: string): string {
  const path = join(distDir, 'shim', `${action}.cjs`);
  if (!existsSync(path)) throw new Error(`${distDir}: no bundle for ${action}`);
  return path;
}

function requiring(paths: string[]): string[] {
  return ['-e', paths.map((p) => `require(${JSON.stringify(p)});`).join(' ')];
}

export function startupCommands(builds: Builds, variants: boolean): StartupCommand[] {
  const dist = builds.distDir('as-built');
  const start = actionBundle(dist, 'start');
  const daemon = actionBundle(dist, 'daemon');
  const node = process.execPath;
  const commands: StartupCommand[] = [
    { key: 'node', label: '`node -e 0`', cmd: node, args: ['-e', '0'] },
    {
      key: 'node-clean',
      label: '`node -e 0` without NODE_EXTRA_CA_CERTS and NODE_OPTIONS (as the shim runs)',
      cmd: node,
      args: ['-e', '0'],
      env: shimEnv,
    },
    { key: 'go-v', label: 'Go shim `-v`', cmd: containerdBinaries('2').goShim, args: ['-v'] },
    {
      key: 'tsshim-v',
      label: 'tsshim `-v` (entry bundle only)',
      cmd: builds.binary('as-built'),
      args: ['-v'],
    },
    {
      key: 'start-modules',
      label: 'modules `start` loads',
      cmd: node,
      args: requiring([start]),
      env: shimEnv,
    },
    {
      key: 'start-daemon-modules',
      label: "modules `start` loads + the daemon's",
      cmd: node,
      args: requiring([start, daemon]),
      env: shimEnv,
    },
    // what the optional libraries add once they load: execa at the first runc call with TSSHIM_RUNNER=execa,
    // the OpenTelemetry SDK and its exporters at boot with tracing on (neither loads otherwise)
    {
      key: 'daemon-execa-modules',
      label: "modules `start` loads + the daemon's + the execa runner's",
      cmd: node,
      args: requiring([start, daemon, actionBundle(dist, 'spawn-execa')]),
      env: shimEnv,
    },
    {
      key: 'daemon-otel-modules',
      label: "modules `start` loads + the daemon's + the OpenTelemetry SDK's",
      cmd: node,
      args: requiring([start, daemon, actionBundle(dist, 'otel-sdk')]),
      env: shimEnv,
    },
  ];
  if (variants) {
    commands.push({
      key: 'onefile-v',
      label: 'one-file build `-v` (parses every action)',
      cmd: builds.binary('onefile'),
      args: ['-v'],
    });
    const noPino = builds.distDir('no-pino');
    commands.push({
      key: 'nopino-daemon-modules',
      label: "start's + daemon's modules, logger without pino",
      cmd: node,
      args: requiring([actionBundle(noPino, 'start'), actionBundle(noPino, 'daemon')]),
      env: shimEnv,
    });
    const ext = builds.distDir('external-deps');
    commands.push({
      key: 'extdeps-daemon-modules',
      label: "start's + daemon's modules, npm deps not bundled",
      cmd: node,
      args: requiring([actionBundle(ext, 'start'), actionBundle(ext, 'daemon')]),
      env: shimEnv,
    });
  }
  return commands;
}

function timeProcess(c: StartupCommand): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(c.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(c.cmd, c.args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${c.label}: exit ${code ?? signal}: ${stderr}`));
      else resolve(performance.now() - t0);
    });
  });
}

export async function measureStartup(
  commands: StartupCommand[],
  rounds: number,
): Promise<Map<string, number[]>> {
  for (const c of commands) await timeProcess(c);
  return interleaved(commands, rounds, (c) => timeProcess(c));
}
