// The CA file the launcher took out of NODE_EXTRA_CA_CERTS reaches the exporters' TLS options, unless the
// operator named the exporter's own CA file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

// a fresh module per case: the CA list is read once per process
async function load(): Promise<typeof import('../../../src/otel/extra-ca.ts')> {
  return import(`../../../src/otel/extra-ca.ts?case=${Math.random()}`);
}

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function tempFile(t: { after(fn: () => void): void }, name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

test("without the launcher's CA file, the exporters keep their own TLS settings", async () => {
  const { certificateAuthorities, exporterTls } = await load();
  assert.equal(certificateAuthorities({}), undefined);
  assert.equal(exporterTls({}), undefined);
});

test('the CA file taken out of NODE_EXTRA_CA_CERTS is added to Node’s CAs', async (t) => {
  const file = tempFile(t, 'ca.pem', pem);
  const { exporterTls } = await load();
  const tls = exporterTls({ TSSHIM_NODE_EXTRA_CA_CERTS: file });
  assert.equal(tls?.ca.length, rootCertificates.length + 1);
  assert.equal(tls?.ca.at(-1), pem);
  assert.equal(tls?.cert, undefined);
});

test('the client certificate and key of the OTEL variables come along (mutual TLS)', async (t) => {
  const ca = tempFile(t, 'ca.pem', pem);
  const cert = tempFile(t, 'cert.pem', 'CERT');
  const key = tempFile(t, 'key.pem', 'KEY');
  const { exporterTls } = await load();
  const tls = exporterTls({
    TSSHIM_NODE_EXTRA_CA_CERTS: ca,
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cert,
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: key,
  });
  assert.equal(tls?.cert?.toString(), 'CERT');
  assert.equal(tls?.key?.toString(), 'KEY');
});

test('an exporter CA file named by OTEL_EXPORTER_OTLP_*CERTIFICATE wins: the exporter reads it itself', async (t) => {
  const file = tempFile(t, 'ca.pem', pem);
  const { exporterTls } = await load();
  for (const name of ['OTEL_EXPORTER_OTLP_CERTIFICATE', 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE'])
    assert.equal(exporterTls({ TSSHIM_NODE_EXTRA_CA_CERTS: file, [name]: '/etc/otel/ca.pem' }), undefined);
});

test('an unreadable CA file leaves Node’s CAs, as Node does with a bad NODE_EXTRA_CA_CERTS', async () => {
  const { certificateAuthorities } = await load();
  assert.deepEqual(certificateAuthorities({ TSSHIM_NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }), [
    ...rootCertificates,
  ]);
});

test('grpc speaks TLS to https:// and to an endpoint without a scheme unless told it is insecure', async () => {
  const { grpcUsesTls } = await load();
  assert.equal(grpcUsesTls({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }), true);
  assert.equal(grpcUsesTls({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }), false);
  assert.equal(grpcUsesTls({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }), true);
  assert.equal(
    grpcUsesTls({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'TRUE' }),
    false,
  );
  assert.equal(
    grpcUsesTls({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4317',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces:4317',
    }),
    true,
  );
});
