// The ttrpc server against arbitrary peers and arbitrary handlers: whatever bytes, frames or envelopes arrive and
// whatever a handler throws or returns, the process neither throws nor rejects unhandled, every request gets
// one answer, and the same connection (or a new one) answers the next valid request.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Client,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  MessageType,
  Server,
  TtrpcError,
} from '../../src/ttrpc/index.ts';
import { RawPeer, TempDir, withTimeout } from '../unit/ttrpc/helpers.ts';
import { anyString, fuzzParameters } from './arbitraries.ts';

const SERVICE = 'fuzz.Probe';
const dir = new TempDir();
const path = dir.socketPath();
const server = new Server();

/** what the next Throw / Reject / Return handler call throws or returns (the properties run one case at a time) */
let next: unknown;

/** Every uncaught exception and unhandled rejection while the properties run: there must be none. */
const escaped: unknown[] = [];
const onEscape = (err: unknown): void => {
  escaped.push(err);
};

before(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  server.register(SERVICE, {
    Echo: (payload) => payload,
    Throw: () => {
      throw next;
    },
    Reject: async () => {
      await Promise.resolve();
      throw next;
    },
    Return: () => next as Uint8Array,
  });
  await server.listen(path);
});

after(async () => {
  await server.close();
  dir.remove();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

afterEach(() => assert.deepEqual(escaped, []));

/** A new client's Echo answers: the server still serves. */
async function serves(): Promise<void> {
  const client = await Client.connect(path);
  try {
    const out = await withTimeout(client.call(SERVICE, 'Echo', Buffer.from('ok')), 5000, 'Echo');
    assert.equal(Buffer.from(out).toString(), 'ok');
  } finally {
    client.close();
  }
}

/** Values a handler could throw or return: anything, plus the awkward ones. */
const awkward = fc.oneof(
  fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
  }),
  fc.constantFrom<unknown>(
    undefined,
    null,
    Symbol('thrown'),
    Object.create(null),
    { toString: 1 },
    { code: 'ENOENT', message: 42 },
    Object.assign(new Error('with a bad code'), { code: { nested: true } }),
    new TtrpcError(-1, 'negative code'),
    new TtrpcError(2 ** 40, 'code beyond int32'),
    new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    ),
  ),
);

test('whatever a handler throws, rejects with or returns, the call gets a status or a payload', async () => {
  const client = await Client.connect(path);
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Throw', 'Reject', 'Return'), awkward, async (method, value) => {
        next = value;
        try {
          const out = await withTimeout(client.call(SERVICE, method, new Uint8Array()), 5000, method);
          assert.ok(method === 'Return' && out instanceof Uint8Array);
        } catch (err) {
          assert.ok(err instanceof TtrpcError, `${method}: ${String(err)}`);
          assert.notEqual(err.code, 0);
        }
        assert.deepEqual(escaped, []);
      }),
      fuzzParameters(300),
    );
  } finally {
    client.close();
  }
  await serves();
});

test('arbitrary bytes on a connection: the server survives and serves the next connection', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 6 }),
      async (chunks) => {
        const peer = await RawPeer.connect(path);
        for (const chunk of chunks) peer.write(chunk);
        // whatever it answered on that connection, the server goes on serving others
        await serves();
        peer.destroy();
        assert.deepEqual(escaped, []);
      },
    ),
    fuzzParameters(200),
  );
});

const requestFrame = fc.record({
  kind: fc.constant('request' as const),
  service: fc.oneof(fc.constant(SERVICE), fc.constant('containerd.task.v2.Task'), anyString),
  method: fc.oneof(fc.constantFrom('Echo', 'Throw', 'Reject', 'Return'), anyString),
  payload: fc.uint8Array({ maxLength: 64 }),
  // from long past to far ahead, zero (no deadline) included
  timeoutNano: fc.oneof(fc.constant(0), fc.integer({ min: -1e12, max: 1e12 })),
  metadata: fc.array(fc.record({ key: anyString, value: anyString }), { maxLength: 4 }),
});

const otherFrame = fc.record({
  kind: fc.constant('frame' as const),
  // below the final request's stream id, which must stay the highest
  streamId: fc.nat({ max: 2 ** 31 }),
  type: fc.nat({ max: 255 }),
  flags: fc.nat({ max: 255 }),
  data: fc.uint8Array({ maxLength: 64 }),
});

test('arbitrary frames and envelopes: every request is answered and the same connection answers the next valid one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(requestFrame, otherFrame), { maxLength: 8 }), async (frames) => {
      next = new Error('thrown by the handler');
      const peer = await RawPeer.connect(path);
      try {
        let streamId = 1;
        for (const f of frames) {
          if (f.kind === 'request') {
            const data = encodeRequest({
              service: f.service,
              method: f.method,
              payload: f.payload,
              timeoutNano: f.timeoutNano,
              metadata: f.metadata,
            });
            peer.writeFrame(streamId, MessageType.Request, 0, data);
            streamId += 2;
          } else {
            peer.write(encodeFrame(f.streamId, f.type, f.flags, f.data));
          }
        }
        const last = 2 ** 32 - 1;
        peer.writeFrame(
          last,
          MessageType.Request,
          0,
          encodeRequest({
            service: SERVICE,
            method: 'Echo',
            payload: Buffer.from('last'),
            timeoutNano: 0,
            metadata: [],
          }),
        );
        for (;;) {
          const frame = await peer.nextFrame();
          assert.equal(frame.type, MessageType.Response);
          const response = decodeResponse(frame.data);
          if (frame.streamId !== last) continue;
          assert.equal(response.status, undefined);
          assert.equal(Buffer.from(response.payload).toString(), 'last');
          break;
        }
      } finally {
        peer.destroy();
      }
      assert.deepEqual(escaped, []);
    }),
    fuzzParameters(200),
  );
  await serves();
});
