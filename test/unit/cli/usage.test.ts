// parseCommand is where every tsshim command gets its --help and usage-error behaviour (src/cli/usage.ts), so the
// exact output and exit statuses are held here, on a made-up command, without spawning the tool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { parseCommand, parseOptions, UsageError } from '../../../src/cli/usage.ts';

const USAGE = 'usage: tsshim demo [--name NAME] [--loud] [-- ARGS...]\n  -h, --help  this help\n';
const demo = { name: 'demo', usage: USAGE };

const OPTIONS = {
  name: { type: 'string' },
  loud: { type: 'boolean', default: false },
  tag: { type: 'string', multiple: true, default: [] as string[] },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `run` wrote to stdout and stderr; the writes are swallowed so the test's own output stays clean. */
function captured<T>(run: () => T): { result: T; stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  const { write: writeOut } = process.stdout;
  const { write: writeErr } = process.stderr;
  process.stdout.write = (chunk: string | Uint8Array): boolean => ((out.stdout += String(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array): boolean => ((out.stderr += String(chunk)), true);
  try {
    return { result: run(), ...out };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** The message node:util parseArgs itself gives for argv, so the test does not pin node's wording. */
function parseArgsMessage(argv: string[]): string {
  try {
    parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`parseArgs accepted ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  test('--help and -h print the usage to stdout, exit 0, and never parse', () => {
    for (const argv of [['--help'], ['-h'], ['--name', 'x', '-h'], ['--no-such-flag', '--help']]) {
      const { result, stdout, stderr } = captured(() =>
        parseCommand(argv, demo, () => assert.fail(`parsed ${argv.join(' ')}`)),
      );
      assert.deepEqual(result, { ok: false, exitCode: 0 }, argv.join(' '));
      assert.equal(stdout, USAGE);
      assert.equal(stderr, '');
    }
  });

  test('--help after -- belongs to the container, not to the command', () => {
    const { result, stdout, stderr } = captured(() => parseCommand(['--', '--help'], demo, (argv) => argv));
    assert.deepEqual(result, { ok: true, args: ['--', '--help'] });
    assert.equal(stdout + stderr, '');
  });

  test("parseArgs's errors are usage errors: the problem, a blank line and the usage on stderr, exit 2", () => {
    for (const argv of [['--no-such-flag'], ['--name'], ['extra']]) {
      const { result, stdout, stderr } = captured(() =>
        parseCommand(argv, demo, (a) => parseOptions(a, OPTIONS).values),
      );
      assert.deepEqual(result, { ok: false, exitCode: 2 }, argv.join(' '));
      assert.equal(stdout, '');
      assert.equal(stderr, `tsshim demo: ${parseArgsMessage(argv)}\n\n${USAGE}`);
    }
  });

  test('a UsageError from the command is reported the same way', () => {
    const { result, stdout, stderr } = captured(() =>
      parseCommand([], demo, () => {
        throw new UsageError('--name is required');
      }),
    );
    assert.deepEqual(result, { ok: false, exitCode: 2 });
    assert.equal(stdout, '');
    assert.equal(stderr, `tsshim demo: --name is required\n\n${USAGE}`);
  });

  test('any other error is not a usage error: it is rethrown and nothing is printed', () => {
    const { stdout, stderr } = captured(() =>
      assert.throws(
        () =>
          parseCommand([], demo, () => {
            throw new Error('disk on fire');
          }),
        /disk on fire/,
      ),
    );
    assert.equal(stdout + stderr, '');
  });
});

describe('parseOptions', () => {
  test('values are typed from the option table: defaults make a flag always present', () => {
    const { values, positionals } = parseOptions(['--name=a', '--tag', 'x', '--tag', 'y'], OPTIONS);
    // compile-time: a flag with a default is not optional, one without is
    const loud: boolean = values.loud;
    const tags: string[] = values.tag;
    const name: string | undefined = values.name;
    assert.deepEqual(
      { loud, tags, name, positionals },
      { loud: false, tags: ['x', 'y'], name: 'a', positionals: [] },
    );
  });

  test('positionals only where allowed; all after -- is positional', () => {
    assert.throws(() => parseOptions(['word'], OPTIONS), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
    const { values, positionals } = parseOptions(['--loud', 'sh', '--', '-c', '--loud'], OPTIONS, {
      allowPositionals: true,
    });
    assert.equal(values.loud, true);
    assert.deepEqual(positionals, ['sh', '-c', '--loud']);
  });
});
