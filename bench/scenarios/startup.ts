// Process start-up alone, no containerd: what `node` costs, what tsshim's entry and `start` load, and what
// `start` would cost if it loaded the daemon's modules too (the lever: a start action that loads none).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { containerdBinaries } from '../../test/helpers/containerd.ts';
import { interleaved } from '../lib/interleave.ts';
import type { Builds } from '../lib/builds.ts';

export interface StartupCommand {
  key: string;
  label: string;
  cmd: string;
  args: string[];
}

/** The chunk a dynamic import in the entry bundle loads for an action ('start', 'daemon'). */
function actionChunk(distDir: string, action: string): string {
  const entry = readFileSync(join(distDir, 'shim.mjs'), 'utf8');
  const m = new RegExp(`import\\("\\./(chunks/${action}-[A-Z0-9]+\\.mjs)"\\)`).exec(entry);
  if (m) return join(distDir, m[1]!);
  // not split out (the one-file build): only one candidate may be there
  const names = readdirSync(join(distDir, 'chunks')).filter((n) => n.startsWith(`${action}-`));
  if (names.length !== 1) throw new Error(`${distDir}: cannot tell which chunk holds ${action}`);
  return join(distDir, 'chunks', names[0]!);
}

function importing(paths: string[]): string[] {
  return ['--input-type=module', '-e', paths.map((p) => `await import(${JSON.stringify(p)});`).join(' ')];
}

export function startupCommands(builds: Builds, variants: boolean): StartupCommand[] {
  const dist = builds.distDir('as-built');
  const start = actionChunk(dist, 'start');
  const daemon = actionChunk(dist, 'daemon');
  const node = process.execPath;
  const commands: StartupCommand[] = [
    { key: 'node', label: '`node -e 0`', cmd: node, args: ['-e', '0'] },
    { key: 'go-v', label: 'Go shim `-v`', cmd: containerdBinaries('2').goShim, args: ['-v'] },
    {
      key: 'tsshim-v',
      label: 'tsshim `-v` (entry chunk only)',
      cmd: builds.binary('as-built'),
      args: ['-v'],
    },
    { key: 'start-modules', label: 'modules `start` loads', cmd: node, args: importing([start]) },
    {
      key: 'start-daemon-modules',
      label: "modules `start` loads + the daemon's",
      cmd: node,
      args: importing([start, daemon]),
    },
  ];
  if (variants) {
    commands.push({
      key: 'onefile-v',
      label: 'one-file build `-v` (parses every action)',
      cmd: builds.binary('onefile'),
      args: ['-v'],
    });
    const ext = builds.distDir('external-deps');
    commands.push({
      key: 'extdeps-daemon-modules',
      label: "start's + daemon's modules, npm deps not bundled",
      cmd: node,
      args: importing([actionChunk(ext, 'start'), actionChunk(ext, 'daemon')]),
    });
  }
  return commands;
}

function timeProcess(c: StartupCommand): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(c.cmd, c.args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
