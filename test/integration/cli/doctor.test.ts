// `tsshim doctor` against real containerd daemons: it reads the daemon's own PATH and environment (not the
// shell's), so it says whether that containerd will find containerd-shim-tsshim-v2 and whether its shims will
// trace; an error makes it exit 1, and --json says the same as the table.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import {
  skipReason,
  startContainerd,
  type Containerd,
  type ContainerdVersion,
} from '../../helpers/containerd.ts';
import { shimBin, tsshimBin } from '../../helpers/live-shim.ts';
import { shimTestVersions } from '../shim/helpers.ts';

interface Report {
  ok: boolean;
  checks: { name: string; level: string; message: string; fix?: string }[];
}

const NAMES = [
  'launcher',
  'node',
  'native addon',
  'start client',
  'code caches',
  'runtime',
  'seccomp',
  'cgroups',
  'containerd',
  'shim on PATH',
  'socket directory',
  'tracing',
];

function doctor(...args: string[]) {
  return spawnSync(process.execPath, [tsshimBin, 'doctor', ...args], { encoding: 'utf8', timeout: 60_000 });
}

function report(...args: string[]): { status: number | null; report: Report } {
  const res = doctor('--json', ...args);
  return { status: res.status, report: JSON.parse(res.stdout) as Report };
}

function check(r: Report, name: string) {
  const found = r.checks.find((c) => c.name === name);
  assert.ok(found, `no ${name} check: ${JSON.stringify(r, null, 2)}`);
  return found;
}

/** startContainerd hands the daemon this process's PATH (after its own shim directory) */
async function startWithPath(
  version: ContainerdVersion,
  pathDirs: string[],
  env: Record<string, string> = {},
): Promise<Containerd> {
  const saved = process.env.PATH;
  process.env.PATH = [...pathDirs, saved ?? ''].join(':');
  try {
    return await startContainerd(version, { shim: 'go', env });
  } finally {
    process.env.PATH = saved;
  }
}

for (const version of shimTestVersions()) {
  describe(`tsshim doctor against containerd ${version}`, { skip: skipReason(version) }, () => {
    test(
      'a containerd without containerd-shim-tsshim-v2 in its PATH is an error with the fix; exit 1',
      { timeout: 120_000 },
      async () => {
        const daemon = await startWithPath(version, []);
        try {
          const table = doctor('--address', daemon.address);
          assert.equal(table.status, 1, table.stderr);
          assert.match(
            table.stdout,
            /^error {4}shim on PATH +containerd-shim-tsshim-v2 is not in containerd \(pid \d+\)'s PATH/m,
          );
          assert.match(table.stdout, /^ {8} +fix: ln -s /m);
          const { status, report: r } = report('--address', daemon.address);
          assert.equal(status, 1);
          assert.equal(r.ok, false);
          assert.deepEqual(
            r.checks.map((c) => c.name),
            NAMES,
          );
          const c = check(r, 'containerd');
          assert.equal(c.level, 'ok');
          assert.match(
            c.message,
            new RegExp(
              `^containerd ${version === '2' ? '2' : version.replace('.', '\\.')}\\.\\d+.* at ${daemon.address}, pid \\d+$`,
            ),
          );
          assert.equal(check(r, 'shim on PATH').level, 'error');
        } finally {
          await daemon.stop();
        }
      },
    );

    test(
      "with the launcher in containerd's PATH and OTLP in its environment, every check passes",
      { timeout: 120_000 },
      async () => {
        // the doctor itself runs with neither: what counts is the daemon's environment
        const daemon = await startWithPath(version, [dirname(shimBin)], {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        });
        try {
          const { status, report: r } = report('--address', daemon.address);
          assert.equal(status, 0, JSON.stringify(r, null, 2));
          assert.equal(r.ok, true);
          const errors = r.checks.filter((c) => c.level === 'error');
          assert.deepEqual(errors, []);
          assert.equal(
            check(r, 'shim on PATH').message,
            `containerd (pid ${/pid (\d+)/.exec(check(r, 'containerd').message)?.[1]}) finds ${shimBin} for runtime io.containerd.tsshim.v2`,
          );
          assert.match(check(r, 'tracing').message, /^on: spans go to http:\/\/127\.0\.0\.1:4318/);
          assert.match(check(r, 'runtime').message, /^runc version \S+ \(.*runc\)/);

          const missing = report('--address', daemon.address, '--runtime', 'no-such-runtime');
          assert.equal(missing.status, 1);
          const runtime = check(missing.report, 'runtime');
          assert.equal(runtime.level, 'error');
          assert.match(runtime.message, /^no-such-runtime is not found in containerd \(pid \d+\)'s PATH/);
        } finally {
          await daemon.stop();
        }
      },
    );
  });
}

describe('tsshim doctor without containerd', () => {
  test("warns that containerd is unreachable and checks this shell's PATH instead", () => {
    const res = spawnSync(
      process.execPath,
      [tsshimBin, 'doctor', '--json', '--address', '/nonexistent/containerd.sock'],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dirname(shimBin)}:${process.env.PATH ?? ''}` },
      },
    );
    const r = JSON.parse(res.stdout) as Report;
    const c = check(r, 'containerd');
    assert.equal(c.level, 'warning');
    assert.match(c.message, /cannot reach containerd at \/nonexistent\/containerd.sock: connect ENOENT/);
    assert.match(check(r, 'shim on PATH').message, /^this shell finds /);
    assert.equal(res.status, r.checks.some((x) => x.level === 'error') ? 1 : 0);
  });
});
