import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../../src/api/codec.ts';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { parseStartInput, startAnswer } from '../../../src/shim/actions/start.ts';

const flags = { id: 'c1', namespace: 'default' };

test('2.3+ BootstrapParams with our id and namespace selects the bootstrap answer and its options', () => {
  const opts = packAny(TypeNames.runcOptions, { shim_cgroup: '/pods/x' });
  const stdin = encode(TypeNames.bootstrapParams, {
    instance_id: 'c1',
    namespace: 'default',
    log_level: -4,
    extensions: [{ value: opts }],
    socket_dir: '/tmp/containerd-s-0',
  });
  const input = parseStartInput(stdin, flags);
  assert.equal(input.bootstrap, true);
  assert.equal(input.options?.type_url, 'containerd.runc.v1.Options');
  assert.equal(input.socketDir, '/tmp/containerd-s-0');
});

test('the legacy options Any is not mistaken for BootstrapParams even though it decodes as one', () => {
  // An Any{type_url, value} parses as BootstrapParams{instance_id = type_url, namespace = value}.
  const stdin = encode(TypeNames.any, packAny(TypeNames.runcOptions, { binary_name: 'crun' }));
  const input = parseStartInput(stdin, flags);
  assert.equal(input.bootstrap, false);
  assert.equal(input.options?.type_url, 'containerd.runc.v1.Options');
});

test('BootstrapParams for another id is treated as legacy input', () => {
  const stdin = encode(TypeNames.bootstrapParams, { instance_id: 'other', namespace: 'default' });
  assert.equal(parseStartInput(stdin, flags).bootstrap, false);
});

test('empty stdin (1.6 without options) gives defaults', () => {
  assert.deepEqual(parseStartInput(new Uint8Array(), flags), {
    bootstrap: false,
    options: undefined,
    socketDir: undefined,
  });
});

test('legacy daemons get the plain address (version 2), which 1.6, 1.7 and 2.0-2.2 all accept', () => {
  assert.equal(
    Buffer.from(startAnswer('unix:///run/containerd/s/ab', false)).toString(),
    'unix:///run/containerd/s/ab',
  );
});

test('2.3+ gets a BootstrapResult with version 3 and protocol ttrpc', () => {
  const out = startAnswer('unix:///run/containerd/s/ab', true);
  const res = decode<{ version: number; address: string; protocol: string }>(TypeNames.bootstrapResult, out);
  assert.deepEqual(
    { version: res.version, address: res.address, protocol: res.protocol },
    { version: 3, address: 'unix:///run/containerd/s/ab', protocol: 'ttrpc' },
  );
  // the daemon reads the raw bytes: the answer must start with field 1 (version), not with a newline or text
  assert.equal(out[0], 0x08);
});
