// With tracing off, setupTracing must not even load the SDK or the exporter (the shim starts for every
// container; that code is for the rare traced setup). A module hook in a child process records every module
// loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../helpers/rootfs.ts';

function loadedModules(env: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-otel-load-'));
  try {
    const record = join(dir, 'loaded.txt');
    writeFileSync(record, '');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(record)}, url + '\\n');
  return next(url, context);
}`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
    );
    const setup = pathToFileURL(join(repoRoot, 'src', 'otel', 'setup.ts')).href;
    const script = `const { setupTracing } = await import(${JSON.stringify(setup)});
const t = await setupTracing(process.env, () => {});
await t.shutdown();
console.log(JSON.stringify({ enabled: t.enabled }));`;
    const res = spawnSync(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
    );
    assert.equal(res.status, 0, res.stderr);
    return readFileSync(record, 'utf8').split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sdkModules = (loaded: string[]): string[] =>
  loaded.filter((u) => /\/src\/otel\/sdk\.ts|\/node_modules\/@(opentelemetry\/(?!api\/)|grpc\/)/.test(u));

test('tracing off: no module of the SDK or the exporters is loaded', () => {
  const loaded = loadedModules({});
  assert.ok(
    loaded.some((u) => u.endsWith('/src/otel/setup.ts')),
    'the hook sees our modules',
  );
  assert.deepEqual(sdkModules(loaded), []);
  const disabled = loadedModules({
    OTEL_SDK_DISABLED: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  });
  assert.deepEqual(sdkModules(disabled), []);
});

test('tracing on: the SDK and the exporter of the chosen protocol are loaded, not the other one', () => {
  const loaded = sdkModules(loadedModules({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }));
  assert.ok(
    loaded.some((u) => u.endsWith('/src/otel/sdk.ts')),
    loaded.join('\n'),
  );
  assert.ok(
    loaded.some((u) => u.includes('/@opentelemetry/sdk-trace-base/')),
    loaded.join('\n'),
  );
  assert.ok(
    loaded.some((u) => u.includes('/@opentelemetry/exporter-trace-otlp-proto/')),
    loaded.join('\n'),
  );
  assert.ok(!loaded.some((u) => u.includes('/exporter-trace-otlp-grpc/')), loaded.join('\n'));
  const grpc = sdkModules(
    loadedModules({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
  );
  assert.ok(
    grpc.some((u) => u.includes('/@opentelemetry/exporter-trace-otlp-grpc/')),
    grpc.join('\n'),
  );
  assert.ok(!grpc.some((u) => u.includes('/exporter-trace-otlp-proto/')), grpc.join('\n'));
});
