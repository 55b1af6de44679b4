// The descriptor's question: load the schemas at run time from a descriptor generated at build time (what tsshim
// does), or parse the .proto files at run time? Each variant runs in fresh node processes, interleaved; the
// figure is the in-process time from the first import to the first encoded StateRequest.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.env.ROUNDS ?? 15);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'tsshim-pbload-'));

const variants: Record<string, string> = {
  'descriptor JSON + protobufjs/light (tsshim)': `
    const t0 = performance.now();
    const { default: pb } = await import('${repo}/node_modules/protobufjs/light.js');
    const { readFileSync } = await import('node:fs');
    const root = pb.Root.fromJSON(JSON.parse(readFileSync('${repo}/src/api/descriptor.json', 'utf8')));
    const T = root.lookupType('containerd.task.v2.StateRequest');
    T.encode({ id: 'abc' }).finish();
    console.log(performance.now() - t0);`,
  '.proto files parsed at run time (protobufjs full)': `
    const t0 = performance.now();
    const { default: pb } = await import('${repo}/node_modules/protobufjs/index.js');
    const { readdirSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const base = '${repo}/src/api/proto';
    const list = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? list(join(d, e.name)) : e.name.endsWith('.proto') ? [join(d, e.name)] : []);
    const root = new pb.Root();
    root.resolvePath = (_o, t) => join(base, t);
    root.loadSync(list(base).map((f) => relative(base, f)), { keepCase: true });
    const T = root.lookupType('containerd.task.v2.StateRequest');
    T.encode({ id: 'abc' }).finish();
    console.log(performance.now() - t0);`,
};

const files = Object.entries(variants).map(([name, code], i) => {
  const file = join(dir, `v${i}.mjs`);
  writeFileSync(file, code);
  return { name, file, samples: [] as number[] };
});
try {
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 ? [...files].reverse() : files)
      v.samples.push(Number(execFileSync(process.execPath, [v.file], { encoding: 'utf8' }).trim()));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(files[0]!.samples);
console.log(`| schema loading (${rounds} fresh processes each, interleaved) | median ms | ratio |`);
console.log('|---|---:|---:|');
for (const v of files)
  console.log(`| ${v.name} | ${median(v.samples).toFixed(1)} | ${(median(v.samples) / base).toFixed(2)}× |`);
