// What the server tells its embedder's log about what it cannot tell a peer, at the levels Go's ttrpc server
// uses: a refused peer and a response it could not send at error level, a peer's malformed frames at debug.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import {
  Client,
  encodeHeader,
  encodeRequest,
  MESSAGE_LENGTH_MAX,
  MessageType,
  Server,
  type ServerOptions,
  type LogLevel,
} from '../../../src/ttrpc/index.ts';
import { Gates, newObservations, PROBE_SERVICE, probeMethods, text } from './fixtures/test-services.ts';
import { RawPeer, TempDir, withTimeout } from './helpers.ts';

interface Line {
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

const dir = new TempDir();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
after(() => dir.remove());

async function logged(options: ServerOptions = {}): Promise<{ path: string; lines: Line[] }> {
  const lines: Line[] = [];
  const server = new Server({
    ...options,
    logger: (level, msg, fields = {}) => lines.push({ level, msg, fields }),
  });
  server.register(PROBE_SERVICE, probeMethods(new Gates(), newObservations()));
  const path = dir.socketPath();
  await server.listen(path);
  cleanups.push(() => server.close());
  return { path, lines };
}

async function until(cond: () => boolean): Promise<void> {
  await withTimeout(
    (async () => {
      while (!cond()) await new Promise((r) => setTimeout(r, 5));
    })(),
    5000,
    'log line',
  );
}

async function peer(path: string): Promise<RawPeer> {
  const p = await RawPeer.connect(path);
  cleanups.push(() => p.destroy());
  return p;
}

test('a peer refused by the connection check is logged at error level with the reason', async () => {
  const { path, lines } = await logged({
    onConnection: () => {
      throw new Error('ttrpc: invalid credentials: peer uid 1000');
    },
  });
  await (await peer(path)).expectClosedWithoutFrames();
  await until(() => lines.length > 0);
  assert.equal(lines[0]!.level, 'error');
  assert.equal(lines[0]!.msg, 'ttrpc: refusing connection after handshake');
  assert.match(String(lines[0]!.fields.error), /invalid credentials: peer uid 1000/);
});

test('a peer refused without a reason is logged at error level too', async () => {
  const { path, lines } = await logged({ onConnection: () => false });
  await (await peer(path)).expectClosedWithoutFrames();
  await until(() => lines.length > 0);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [['error', 'ttrpc: refusing connection after handshake']],
  );
});

test('a request that does not decode is answered and logged at debug level with its stream', async () => {
  const { path, lines } = await logged();
  const p = await peer(path);
  p.writeFrame(1, MessageType.Request, 0, new Uint8Array([0xff, 0xff, 0xff]));
  await p.nextFrame();
  await until(() => lines.length > 0);
  assert.equal(lines[0]!.level, 'debug');
  assert.match(lines[0]!.msg, /unmarshal request error/);
  assert.equal(lines[0]!.fields.streamId, 1);
  assert.equal(lines[0]!.fields.code, 'InvalidArgument');
});

test('an even stream id and a frame over the size limit are logged at debug level', async () => {
  const { path, lines } = await logged();
  const p = await peer(path);
  const request = encodeRequest({
    service: PROBE_SERVICE,
    method: 'Echo',
    payload: text('x'),
    timeoutNano: 0,
    metadata: [],
  });
  p.writeFrame(2, MessageType.Request, 0, request);
  await p.nextFrame();
  p.write(encodeHeader({ length: MESSAGE_LENGTH_MAX + 1, streamId: 3, type: MessageType.Request, flags: 0 }));
  p.write(new Uint8Array(MESSAGE_LENGTH_MAX + 1));
  await p.nextFrame();
  await until(() => lines.length === 2);
  assert.deepEqual(
    lines.map((l) => [l.level, l.fields.streamId, l.fields.code]),
    [
      ['debug', 2, 'InvalidArgument'],
      ['debug', 3, 'ResourceExhausted'],
    ],
  );
});

test('a peer hanging up inside a frame is logged at debug level', async () => {
  const { path, lines } = await logged();
  const p = await peer(path);
  p.write(encodeHeader({ length: 100, streamId: 1, type: MessageType.Request, flags: 0 }));
  p.write(new Uint8Array(20));
  p.socket.end();
  await until(() => lines.length > 0);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [['debug', 'ttrpc: EOF inside a frame']],
  );
});

test('a response too large to send is logged at error level, as Go logs a failed send', async () => {
  const { path, lines } = await logged();
  const client = await Client.connect(path);
  cleanups.push(() => client.close());
  await assert.rejects(client.call(PROBE_SERVICE, 'Big', text(String(MESSAGE_LENGTH_MAX + 1))), {
    code: 8,
  });
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [['error', 'failed sending message on channel']],
  );
});

test('well-behaved calls log nothing', async () => {
  const { path, lines } = await logged();
  const client = await Client.connect(path);
  cleanups.push(() => client.close());
  await client.call(PROBE_SERVICE, 'Echo', text('fine'));
  client.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(lines, []);
});
