// Node 20's --test takes no globs, so collect the files here. `node scripts/run-tests.mjs [dir-or-file ...]`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(p) {
  if (statSync(p).isFile()) return [p];
  return readdirSync(p, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? collect(join(p, e.name)) : e.name.endsWith('.test.ts') ? [join(p, e.name)] : [],
    )
    .sort();
}

const args = process.argv.slice(2);
const roots = args.length
  ? args.map((a) => (a === 'unit' || a === 'integration' ? join('test', a) : a))
  : ['test'];
const files = roots.flatMap(collect);
const concurrency = process.env.TSSHIM_TEST_CONCURRENCY ?? '1';
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
