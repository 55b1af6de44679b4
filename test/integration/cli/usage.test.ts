// Every tsshim command behaves the same for its usage, so scripts and people can rely on it: -h/--help prints the
// usage to stdout and exits 0, `tsshim help COMMAND` prints the same, a usage error prints the problem then the
// usage to stderr and exits 2; and every flag a command accepts is in its usage and in the README.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { command as doctor } from '../../../src/cli/doctor/index.ts';
import { command as info } from '../../../src/cli/info.ts';
import { command as run } from '../../../src/cli/run/args.ts';
import { command as seccomp } from '../../../src/cli/seccomp.ts';
import { command as shim } from '../../../src/cli/shim/args.ts';
import { command as spec } from '../../../src/cli/spec.ts';
import { tsshimBin } from '../../helpers/live-shim.ts';
import { repoRoot } from '../../helpers/rootfs.ts';

const commands = [run, spec, seccomp, shim, info, doctor];

function tsshim(...args: string[]) {
  return spawnSync(process.execPath, [tsshimBin, ...args], { encoding: 'utf8', timeout: 30_000 });
}

/** the README's section on the tool */
function readmeToolSection(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## The `tsshim` tool');
  assert.ok(start >= 0, 'README.md has no section on the tsshim tool');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** flag as a word of its own: `-t` is not found in `--tty`, `--exec` not in `--exec-id` */
function mentions(text: string, flag: string): boolean {
  const escaped = flag.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');
  return new RegExp(`(^|[\\s\`[(|,])${escaped}(?=[\\s\`\\]),|=]|$)`, 'm').test(text);
}

describe('tsshim usage', () => {
  test('tsshim alone is a usage error; --help, -h and help print the command list', () => {
    const bare = tsshim();
    assert.equal(bare.status, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^tsshim: missing command\n\nusage: tsshim <command>/);
    for (const args of [['--help'], ['-h'], ['help']]) {
      const res = tsshim(...args);
      assert.equal(res.status, 0, args.join(' '));
      assert.equal(res.stderr, '');
      assert.match(res.stdout, /^usage: tsshim <command>/);
      for (const c of commands) assert.ok(mentions(res.stdout, c.name), `${c.name} is not listed`);
      assert.ok(mentions(res.stdout, 'doctor'));
    }
    const unknown = tsshim('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^tsshim: unknown command "frobnicate"\n\nusage: tsshim <command>/);
  });

  test('--version prints the version and revision the build recorded', () => {
    const built = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8')) as {
      version: string;
      revision: string;
    };
    for (const flag of ['--version', '-v']) {
      const res = tsshim(flag);
      assert.equal(res.status, 0, res.stderr);
      assert.equal(
        res.stdout,
        `tsshim ${built.version} (revision ${built.revision}, node ${process.version})\n`,
      );
    }
  });

  for (const c of commands) {
    test(`tsshim ${c.name}: --help and -h print its usage to stdout and exit 0, as tsshim help ${c.name}`, () => {
      const help = tsshim(c.name, '--help');
      assert.equal(help.status, 0, help.stderr);
      assert.equal(help.stderr, '');
      assert.match(help.stdout, new RegExp(`^usage: tsshim ${c.name}\\b`));
      assert.equal(help.stdout, c.usage);
      assert.equal(tsshim(c.name, '-h').stdout, c.usage);
      assert.equal(tsshim('help', c.name).stdout, c.usage);
    });

    test(`tsshim ${c.name}: an unknown flag prints the problem and the usage to stderr and exits 2`, () => {
      const res = tsshim(c.name, ...(c.name === 'seccomp' ? ['show'] : []), '--no-such-flag');
      assert.equal(res.status, 2, `${res.stdout}\n${res.stderr}`);
      assert.equal(res.stdout, '');
      assert.ok(res.stderr.startsWith(`tsshim ${c.name}: `), res.stderr);
      assert.ok(res.stderr.includes('--no-such-flag'), res.stderr);
      assert.ok(res.stderr.endsWith(`\n\n${c.usage}`), res.stderr);
    });

    test(`tsshim ${c.name}: every flag it accepts is in its usage and in the README`, () => {
      const readme = readmeToolSection();
      const missing = c.flags.flatMap((flag) => [
        ...(mentions(c.usage, flag) ? [] : [`${flag} not in its usage`]),
        ...(mentions(readme, flag) ? [] : [`${flag} not in the README`]),
      ]);
      assert.deepEqual(missing, []);
    });
  }

  test('a missing or wrong value is a usage error too', () => {
    for (const [args, problem] of [
      [['spec'], 'tsshim spec: --bundle is required'],
      [['run', '--rootfs', '/x', '--bundle', '/y'], 'tsshim run: exactly one of --rootfs and --bundle'],
      [['shim', 'state'], 'tsshim shim: give --address or --id'],
      [['seccomp'], 'tsshim seccomp: missing command'],
      [['seccomp', 'validate'], 'tsshim seccomp: validate needs a FILE'],
      [['seccomp', 'show', '--arch', 'vax'], 'tsshim seccomp: unknown architecture'],
      [['info', 'extra'], 'tsshim info: '],
      [['doctor', '--address'], 'tsshim doctor: '],
    ] as const) {
      const res = tsshim(...args);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.ok(res.stderr.startsWith(problem), `${args.join(' ')}: ${res.stderr}`);
    }
  });
});
