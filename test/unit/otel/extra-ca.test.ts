import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

// a fresh module per case: the CA list is read once per process
async function load(): Promise<typeof import('../../../src/otel/otlp-exporter.ts')> {
  return import(`../../../src/otel/otlp-exporter.ts?case=${Math.random()}`);
}

test("without the launcher's CA file, the exporter keeps Node's own CAs", async () => {
  const { certificateAuthorities } = await load();
  assert.equal(certificateAuthorities({}), undefined);
});

test('the CA file taken out of NODE_EXTRA_CA_CERTS is added to Node’s CAs for the OTLP endpoint', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  writeFileSync(join(dir, 'ca.pem'), pem);
  const { certificateAuthorities } = await load();
  const cas = certificateAuthorities({ TSSHIM_NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });
  assert.equal(cas?.length, rootCertificates.length + 1);
  assert.equal(cas?.at(-1), pem);
});

test('an unreadable CA file leaves Node’s CAs, as Node does with a bad NODE_EXTRA_CA_CERTS', async () => {
  const { certificateAuthorities } = await load();
  const cas = certificateAuthorities({ TSSHIM_NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
  assert.deepEqual(cas, [...rootCertificates]);
});
