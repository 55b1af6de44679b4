// The descriptor's question: load the schemas at run time from a descriptor generated at build time (what tsshim
// does), or parse the .proto files at run time? Each variant runs in fresh node processes, interleaved; the
// figure is the in-process time from the first import to the first encoded StateRequest.
import { execFileSync } from 'node:child_process';
import protobuf from 'protobufjs/light.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.env.ROUNDS ?? 15);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'tsshim-pbload-'));
const dir2 = mkdtempSync(join(tmpdir(), 'tsshim-pbcodegen-'));

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

// Whether src/api/lazy-codegen.ts (which patches protobufjs's Type.prototype.setup so that each of a type's five
// functions is generated on its first use) is still worth its patch: the messages of one `ctr run --rm`, with
// their contents (the Task requests decoded and turned into objects as src/api/codec.ts does, the responses
// and the events encoded), types resolved beforehand, under the node and V8 flags the daemon runs with; the
// time from the first message to the last. The request bytes are made here, so the measured process only
// decodes them.
const requestBytes = (() => {
  const root = protobuf.Root.fromJSON(
    JSON.parse(readFileSync(join(repo, 'src/api/descriptor.json'), 'utf8')),
  );
  const bytes = (name: string, value: object): string => {
    const t = root.lookupType(name);
    return Buffer.from(t.encode(t.fromObject(value)).finish()).toString('base64');
  };
  const v2 = 'containerd.task.v2.';
  return {
    [`${v2}CreateTaskRequest`]: bytes(`${v2}CreateTaskRequest`, {
      id: 'c1',
      bundle: '/run/containerd/io.containerd.runtime.v2.task/default/c1',
      rootfs: [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/a', 'upperdir=/b', 'workdir=/c'] }],
      stdout: '/run/containerd/fifo/1/c1-stdout',
      stderr: '/run/containerd/fifo/1/c1-stderr',
      options: { type_url: 'containerd.runc.v1.Options', value: Buffer.from([0x08, 0x01]) },
    }),
    [`${v2}StartRequest`]: bytes(`${v2}StartRequest`, { id: 'c1' }),
    [`${v2}StateRequest`]: bytes(`${v2}StateRequest`, { id: 'c1' }),
    [`${v2}WaitRequest`]: bytes(`${v2}WaitRequest`, { id: 'c1' }),
    [`${v2}DeleteRequest`]: bytes(`${v2}DeleteRequest`, { id: 'c1' }),
    [`${v2}ShutdownRequest`]: bytes(`${v2}ShutdownRequest`, { id: 'c1' }),
  };
})();
const lifecycle = `
  const requests = ${JSON.stringify(requestBytes)};
  const at = { seconds: 1700000000, nanos: 5 };
  const anyOf = (type_url) => ({ type_url, value: new Uint8Array([10, 2, 99, 49]) });
  const v2 = 'containerd.task.v2.';
  const ev = 'containerd.events.';
  const replies = [
    [v2 + 'CreateTaskResponse', { pid: 42 }],
    [v2 + 'StartResponse', { pid: 42 }],
    [v2 + 'StateResponse', { id: 'c1', bundle: '/b', pid: 42, status: 3, exit_status: 0, exited_at: at }],
    [v2 + 'WaitResponse', { exit_status: 0, exited_at: at }],
    [v2 + 'DeleteResponse', { pid: 42, exit_status: 0, exited_at: at }],
    [ev + 'TaskCreate', { container_id: 'c1', bundle: '/b', rootfs: [{ type: 'overlay', source: 'overlay', options: ['x'] }],
      io: { stdout: '/o', stderr: '/e' }, pid: 42 }],
    [ev + 'TaskStart', { container_id: 'c1', pid: 42 }],
    [ev + 'TaskExit', { container_id: 'c1', id: 'c1', pid: 42, exit_status: 0, exited_at: at }],
    [ev + 'TaskDelete', { container_id: 'c1', id: 'c1', pid: 42, exit_status: 0, exited_at: at }],
    ['containerd.services.events.ttrpc.v1.ForwardRequest', { envelope: { timestamp: at, namespace: 'default',
      topic: '/tasks/exit', event: anyOf('containerd.events.TaskExit') } }],
  ];
  const options = { longs: Number, enums: Number, defaults: true, arrays: true, objects: true };
  const t0 = performance.now();
  for (const [name, b64] of Object.entries(requests)) {
    const T = root.lookupType(name);
    T.toObject(T.decode(Buffer.from(b64, 'base64')), options);
  }
  for (const [name, value] of replies) root.lookupType(name).encode(value).finish();
  console.log(performance.now() - t0);`;
// the node flags the daemon runs with (its V8 flags among them), as the generated functions are compiled there
const daemonFlags = JSON.parse(readFileSync(join(repo, 'src/shim/boot/daemon-flags.json'), 'utf8')) as {
  node: string[];
};
const codegenSetup = (lazy: boolean): string => `
  const { default: pb } = await import('${repo}/node_modules/protobufjs/light.js');
  const { readFileSync } = await import('node:fs');
  ${lazy ? `(await import('${repo}/src/api/lazy-codegen.ts')).installLazyCodegen();` : ''}
  const root = pb.Root.fromJSON(JSON.parse(readFileSync('${repo}/src/api/descriptor.json', 'utf8')));
  root.resolveAll();
  ${lifecycle}`;
const codegen = [
  { name: "protobufjs's own setup: five functions per type at its first use", code: codegenSetup(false) },
  { name: 'src/api/lazy-codegen.ts: each function at its first use (tsshim)', code: codegenSetup(true) },
].map((v, i) => {
  const file = join(dir2, `c${i}.mjs`);
  writeFileSync(file, v.code);
  return { ...v, file, samples: [] as number[] };
});
try {
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 ? [...codegen].reverse() : codegen)
      v.samples.push(
        Number(
          execFileSync(process.execPath, [...daemonFlags.node, '--import', 'tsx', v.file], {
            encoding: 'utf8',
            cwd: repo,
            stdio: ['ignore', 'pipe', 'ignore'],
          }).trim(),
        ),
      );
} finally {
  rmSync(dir2, { recursive: true, force: true });
}
const stock = median(codegen[0]!.samples);
console.log();
console.log(
  `| code generation, one container's messages (${rounds} fresh processes each, interleaved) | median ms | ratio |`,
);
console.log('|---|---:|---:|');
for (const v of codegen)
  console.log(`| ${v.name} | ${median(v.samples).toFixed(1)} | ${(median(v.samples) / stock).toFixed(2)}× |`);
console.log(
  `\nlazy code generation saves ${(stock - median(codegen[1]!.samples)).toFixed(1)} ms per shim start`,
);
