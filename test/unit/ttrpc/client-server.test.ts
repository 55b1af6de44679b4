import assert from 'node:assert/strict';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { after, afterEach, describe, test } from 'node:test';
import {
  Client,
  Code,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameReader,
  MESSAGE_LENGTH_MAX,
  MessageType,
  Server,
  TtrpcClosedError,
  TtrpcError,
  TtrpcProtocolError,
  type ServerOptions,
} from '../../../src/ttrpc/index.ts';
import {
  Gates,
  newObservations,
  PROBE_SERVICE,
  probeMethods,
  readText,
  TASK_SERVICE,
  taskMethods,
  text,
  type ProbeObservations,
} from './fixtures/test-services.ts';
import { RawPeer, TempDir, withTimeout } from './helpers.ts';

const dir = new TempDir();
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
after(() => dir.remove());

interface Harness {
  server: Server;
  path: string;
  gates: Gates;
  seen: ProbeObservations;
  connect(options?: ConstructorParameters<typeof Client>[1]): Promise<Client>;
}

async function startServer(options: ServerOptions = {}): Promise<Harness> {
  const server = new Server(options);
  const gates = new Gates();
  const seen = newObservations();
  server.register(PROBE_SERVICE, probeMethods(gates, seen));
  server.register(TASK_SERVICE, taskMethods);
  const path = dir.socketPath();
  await server.listen(path);
  cleanups.push(() => server.close());
  return {
    server,
    path,
    gates,
    seen,
    async connect(clientOptions) {
      const client = await Client.connect(path, clientOptions);
      cleanups.push(() => client.close());
      return client;
    },
  };
}

/** A hand-written server: `onFrame` decides what to write back. */
async function fakeServer(
  onFrame: (socket: Socket, streamId: number, type: number) => void,
): Promise<string> {
  const path = dir.socketPath();
  const sockets = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    sockets.add(socket);
    const reader = new FrameReader();
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) onFrame(socket, event.header.streamId, event.header.type);
    });
  });
  await new Promise<void>((resolve) => listener.listen(path, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  );
  return path;
}

/** Payload length whose Request data comes to exactly `target` bytes. */
function payloadLengthForRequest(service: string, method: string, target: number): number {
  const overhead = encodeRequest({
    service,
    method,
    payload: new Uint8Array(0),
    timeoutNano: 0,
    metadata: [],
  }).length;
  for (let n = target - overhead - 1; n > 0; n--) {
    const size = encodeRequest({
      service,
      method,
      payload: new Uint8Array(n),
      timeoutNano: 0,
      metadata: [],
    }).length;
    if (size === target) return n;
    if (size < target) break;
  }
  throw new Error('no payload length fits');
}

describe('unary calls', () => {
  test('a reply comes back to its caller, on stream ids 1, 3, 5', async () => {
    const h = await startServer();
    const client = await h.connect();
    for (const word of ['a', 'b', 'c'])
      assert.equal(readText(await client.call(PROBE_SERVICE, 'Echo', text(word))), word);
    assert.deepEqual(
      h.seen.contexts.map((c) => c.streamId),
      [1, 3, 5],
    );
  });

  test('an empty reply arrives as an empty payload', async () => {
    const h = await startServer();
    const client = await h.connect();
    assert.equal((await client.call(TASK_SERVICE, 'Kill', text('x'))).length, 0);
  });

  test('concurrent calls are answered in completion order, not request order', async () => {
    const h = await startServer();
    const client = await h.connect();
    const order: string[] = [];
    const slow = client.call(PROBE_SERVICE, 'Gate', text('slow')).then((r) => order.push(readText(r)));
    await withTimeout(h.seen.entered.wait('slow'));
    const fast = client.call(PROBE_SERVICE, 'Gate', text('fast')).then((r) => order.push(readText(r)));
    h.gates.open('fast');
    await withTimeout(fast);
    assert.deepEqual(order, ['fast']);
    h.gates.open('slow');
    await withTimeout(slow);
    assert.deepEqual(order, ['fast', 'slow']);
  });

  test('many calls in flight on one connection each get their own reply', async () => {
    const h = await startServer();
    const client = await h.connect();
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    const replies = await withTimeout(
      Promise.all(words.map((w) => client.call(PROBE_SERVICE, 'Echo', text(w)))),
    );
    assert.deepEqual(replies.map(readText), words);
  });

  test('metadata reaches the handler with lowercased keys and repeated values in order', async () => {
    const h = await startServer();
    const client = await h.connect();
    await client.call(PROBE_SERVICE, 'Echo', text('m'), {
      metadata: { 'Containerd-Namespace-Ttrpc': 'default', 'x-multi': ['a', 'b'] },
    });
    const md = h.seen.contexts[0]?.metadata;
    assert.deepEqual(md?.get('containerd-namespace-ttrpc'), ['default']);
    assert.deepEqual(md?.get('x-multi'), ['a', 'b']);
    assert.equal(md?.has('Containerd-Namespace-Ttrpc'), false);
  });

  test('the call timeout reaches the handler as a deadline', async () => {
    const h = await startServer();
    const client = await h.connect();
    const before = Date.now();
    await client.call(PROBE_SERVICE, 'Echo', text('t'), { timeoutMs: 60_000 });
    const ctx = h.seen.contexts[0];
    assert.ok(ctx?.deadline !== undefined, 'handler got a deadline');
    assert.ok(ctx.deadline > before && ctx.deadline <= Date.now() + 60_000);
    assert.equal(ctx.signal.aborted, true, 'signal is cancelled once the handler returned');
  });

  test('without a timeout the handler has no deadline', async () => {
    const h = await startServer();
    const client = await h.connect();
    await client.call(PROBE_SERVICE, 'Echo', text('t'));
    assert.equal(h.seen.contexts[0]?.deadline, undefined);
  });

  test('a call times out locally with a DeadlineExceeded error and the connection stays usable', async () => {
    const h = await startServer();
    const client = await h.connect();
    await assert.rejects(
      client.call(PROBE_SERVICE, 'Gate', text('never-soon'), { timeoutMs: 50 }),
      (err: unknown) => {
        assert.ok(err instanceof TtrpcError);
        assert.equal(err.code, Code.DeadlineExceeded);
        assert.match(err.message, /test\.Probe\/Gate.*context deadline exceeded/);
        return true;
      },
    );
    h.gates.open('never-soon'); // the late reply is dropped
    assert.equal(readText(await client.call(PROBE_SERVICE, 'Echo', text('after'))), 'after');
  });

  test('the handler signal aborts with DeadlineExceeded when timeout_nano passes', async () => {
    const h = await startServer();
    const client = await h.connect();
    // The client gives up at the same moment; what matters is what the handler saw.
    await assert.rejects(client.call(PROBE_SERVICE, 'UntilAborted', text('d'), { timeoutMs: 30 }));
    await withTimeout(
      (async () => {
        while (h.seen.abortReasons.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
    const reason = h.seen.abortReasons[0];
    assert.ok(reason instanceof TtrpcError);
    assert.equal(reason.code, Code.DeadlineExceeded);
    assert.equal(reason.message, 'context deadline exceeded');
  });

  test('the handler signal aborts with Canceled when the connection closes', async () => {
    const h = await startServer();
    const client = await h.connect();
    const call = client.call(PROBE_SERVICE, 'UntilAborted', text('c'));
    await withTimeout(h.seen.entered.wait('c'));
    client.close();
    await assert.rejects(call, TtrpcClosedError);
    await withTimeout(
      (async () => {
        while (h.seen.abortReasons.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
    const reason = h.seen.abortReasons[0];
    assert.ok(reason instanceof TtrpcError);
    assert.equal(reason.code, Code.Canceled);
    assert.equal(reason.message, 'ttrpc: connection closed: context canceled');
  });

  test('an aborted call signal rejects with its reason', async () => {
    const h = await startServer();
    const client = await h.connect();
    const controller = new AbortController();
    const call = client.call(PROBE_SERVICE, 'Gate', text('abort-me'), { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(call, /caller gave up/);
    h.gates.open('abort-me');
  });
});

describe('errors', () => {
  test('a handler status error arrives with its code and message', async () => {
    const h = await startServer();
    const client = await h.connect();
    await assert.rejects(client.call(TASK_SERVICE, 'State', Buffer.from('07', 'hex')), (err: unknown) => {
      assert.ok(err instanceof TtrpcError);
      assert.equal(err.code, Code.Internal);
      assert.match(err.message, /^ttrpc: error unmarshalling payload: /);
      return true;
    });
    await assert.rejects(
      client.call(TASK_SERVICE, 'State', Buffer.from('0a0777726170706564', 'hex')),
      (err: unknown) => {
        assert.ok(err instanceof TtrpcError);
        assert.equal(err.code, Code.NotFound);
        assert.equal(err.message, 'container wrapped: not found');
        return true;
      },
    );
  });

  test('a plain Error arrives as Unknown with its message', async () => {
    const h = await startServer();
    const client = await h.connect();
    await assert.rejects(client.call(TASK_SERVICE, 'State', Buffer.from('0a05706c61696e', 'hex')), {
      code: Code.Unknown,
      message: 'boom',
    });
  });

  test('unknown service and unknown method are Unimplemented with Go wording', async () => {
    const h = await startServer();
    const client = await h.connect();
    await assert.rejects(client.call('no.such.Service', 'State', new Uint8Array(0)), (err: unknown) => {
      assert.ok(err instanceof TtrpcError);
      assert.equal(err.code, Code.Unimplemented);
      assert.equal(err.message, 'service no.such.Service');
      return true;
    });
    await assert.rejects(client.call(TASK_SERVICE, 'Nope', new Uint8Array(0)), {
      code: 12,
      message: 'method Nope',
    });
  });

  test('a handler that returns nothing is reported as Go does', async () => {
    const h = await startServer();
    const client = await h.connect();
    await assert.rejects(client.call(PROBE_SERVICE, 'Nothing', new Uint8Array(0)), {
      code: 2,
      message: 'ttrpc: marshal called with nil',
    });
  });
});

describe('the 4 MiB limit', () => {
  test('a request of exactly 4194304 bytes is sent, 4194305 is refused locally, the connection lives', async () => {
    const h = await startServer();
    const client = await h.connect();
    const fits = payloadLengthForRequest(PROBE_SERVICE, 'Size', MESSAGE_LENGTH_MAX);
    assert.equal(readText(await client.call(PROBE_SERVICE, 'Size', new Uint8Array(fits))), String(fits));
    await assert.rejects(client.call(PROBE_SERVICE, 'Size', new Uint8Array(fits + 1)), (err: unknown) => {
      assert.ok(err instanceof TtrpcError);
      assert.equal(err.code, Code.ResourceExhausted);
      assert.equal(err.message, 'message length 4194305 exceed maximum message size of 4194304');
      return true;
    });
    assert.equal(h.seen.sizeCalls, 1, 'the refused request never reached the server');
    await client.call(PROBE_SERVICE, 'Echo', text('next'));
    assert.equal(h.seen.contexts.at(-1)?.streamId, 5, 'the refused call used up stream id 3, as in Go');
  });

  test('a reply of exactly 4194304 bytes arrives; one byte more becomes status 8 and the connection lives', async () => {
    const h = await startServer();
    const client = await h.connect();
    // Response data = tag + 4-byte varint length + payload.
    const reply = await client.call(PROBE_SERVICE, 'Big', text(String(MESSAGE_LENGTH_MAX - 5)));
    assert.equal(reply.length, MESSAGE_LENGTH_MAX - 5);
    await assert.rejects(client.call(PROBE_SERVICE, 'Big', text(String(MESSAGE_LENGTH_MAX - 4))), {
      code: 8,
      message: 'message length 4194305 exceed maximum message size of 4194304',
    });
    assert.equal(readText(await client.call(PROBE_SERVICE, 'Echo', text('alive'))), 'alive');
  });

  test('an oversize request is refused before anything is written', async () => {
    const seenIds: number[] = [];
    const path = await fakeServer((socket, streamId) => {
      seenIds.push(streamId);
      socket.write(encodeFrame(streamId, MessageType.Response, 0, new Uint8Array(0)));
    });
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    await assert.rejects(client.call('s', 'm', new Uint8Array(MESSAGE_LENGTH_MAX)), { code: 8 });
    await client.call('s', 'm', new Uint8Array(0));
    assert.deepEqual(seenIds, [3]);
  });

  test('a client receiving an oversize frame fails only that call', async () => {
    const path = await fakeServer((socket, streamId) => {
      if (streamId === 1)
        socket.write(encodeFrame(1, MessageType.Response, 0, new Uint8Array(MESSAGE_LENGTH_MAX + 1)));
      else
        socket.write(encodeFrame(streamId, MessageType.Response, 0, encodeResponse({ payload: text('ok') })));
    });
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    await assert.rejects(client.call('s', 'm', new Uint8Array(0)), {
      code: 8,
      message: 'message length 4194305 exceed maximum message size of 4194304',
    });
    assert.equal(readText(await client.call('s', 'm', new Uint8Array(0))), 'ok');
  });
});

describe('connection loss', () => {
  test('every pending call and every later call fail with one `ttrpc: closed` error; onClose runs once', async () => {
    let requests = 0;
    const path = await fakeServer((socket) => {
      if (++requests === 2) socket.destroy();
    });
    let closes = 0;
    const client = await Client.connect(path, { onClose: () => closes++ });
    cleanups.push(() => client.close());
    const first = client.call('s', 'm', new Uint8Array(0));
    const second = client.call('s', 'm', new Uint8Array(0));
    const [a, b] = await withTimeout(Promise.allSettled([first, second]));
    assert.equal(a.status, 'rejected');
    assert.equal(b.status, 'rejected');
    if (a.status !== 'rejected' || b.status !== 'rejected') return;
    assert.equal(a.reason, b.reason, 'one error for all pending calls');
    assert.ok(a.reason instanceof TtrpcClosedError);
    assert.equal((a.reason as Error).message, 'ttrpc: closed');
    await assert.rejects(client.call('s', 'm', new Uint8Array(0)), { message: 'ttrpc: closed' });
    assert.equal(closes, 1);
    assert.equal(client.closed, true);
  });

  test('replies on unknown stream ids are dropped and the right reply still arrives', async () => {
    const path = await fakeServer((socket, streamId) => {
      socket.write(
        encodeFrame(streamId + 100, MessageType.Response, 0, encodeResponse({ payload: text('wrong') })),
      );
      socket.write(
        encodeFrame(streamId, MessageType.Response, 0, encodeResponse({ payload: text('right') })),
      );
    });
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    assert.equal(readText(await client.call('s', 'm', new Uint8Array(0))), 'right');
  });

  test('a Data frame on a unary call fails that call with a protocol error', async () => {
    const path = await fakeServer((socket, streamId) => {
      socket.write(encodeFrame(streamId, MessageType.Data, 0, text('x')));
    });
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    await assert.rejects(client.call('s', 'm', new Uint8Array(0)), (err: unknown) => {
      assert.ok(err instanceof TtrpcProtocolError);
      assert.equal(err.message, 'unexpected "data" message received: protocol error');
      return true;
    });
  });

  test('a status with code 0 counts as success', async () => {
    const path = await fakeServer((socket, streamId) => {
      const data = encodeResponse({
        status: { code: 0, message: 'fine', details: [] },
        payload: text('abc'),
      });
      socket.write(encodeFrame(streamId, MessageType.Response, 0, data));
    });
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    assert.equal(readText(await client.call('s', 'm', new Uint8Array(0))), 'abc');
  });

  test('connecting to a missing socket rejects', async () => {
    await assert.rejects(Client.connect(dir.socketPath()), { code: 'ENOENT' });
  });
});

describe('server lifecycle', () => {
  test('shutdown stops accepting, lets an in-flight call answer, then closes the connection', async () => {
    const h = await startServer();
    let closed = false;
    const client = await h.connect({ onClose: () => (closed = true) });
    const inFlight = client.call(PROBE_SERVICE, 'Gate', text('finish-me'));
    await withTimeout(h.seen.entered.wait('finish-me'));
    const shutdown = h.server.shutdown();
    await assert.rejects(Client.connect(h.path));
    assert.equal(closed, false, 'an active connection stays open');
    h.gates.open('finish-me');
    assert.equal(readText(await withTimeout(inFlight)), 'finish-me');
    await withTimeout(shutdown);
    await withTimeout(
      (async () => {
        while (!closed) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
    await assert.rejects(client.call(PROBE_SERVICE, 'Echo', text('late')), { message: 'ttrpc: closed' });
  });

  test('shutdown closes idle connections at once', async () => {
    const h = await startServer();
    const peer = await RawPeer.connect(h.path);
    cleanups.push(() => peer.destroy());
    await withTimeout(h.server.shutdown());
    await peer.expectClosedWithoutFrames();
  });

  test('close drops in-flight calls immediately', async () => {
    const h = await startServer();
    const client = await h.connect();
    const inFlight = client.call(PROBE_SERVICE, 'Gate', text('dropped'));
    await withTimeout(h.seen.entered.wait('dropped'));
    await withTimeout(h.server.close());
    await assert.rejects(inFlight, { message: 'ttrpc: closed' });
    h.gates.open('dropped');
  });

  test('a connection refused by onConnection is closed without a byte written', async () => {
    let checked = 0;
    const h = await startServer({
      onConnection: () => {
        checked++;
        return false;
      },
    });
    const client = await h.connect();
    await assert.rejects(client.call(PROBE_SERVICE, 'Echo', text('x')), { message: 'ttrpc: closed' });
    assert.equal(h.seen.contexts.length, 0);
    const peer = await RawPeer.connect(h.path);
    await peer.expectClosedWithoutFrames();
    assert.equal(checked, 2);
  });

  test('serves a listener it is handed', async () => {
    const server = new Server();
    const seen = newObservations();
    server.register(PROBE_SERVICE, probeMethods(new Gates(), seen));
    const listener = createServer();
    server.serve(listener);
    cleanups.push(() => server.close());
    const path = dir.socketPath();
    await new Promise<void>((resolve) => listener.listen(path, resolve));
    const client = await Client.connect(path);
    cleanups.push(() => client.close());
    assert.equal(readText(await client.call(PROBE_SERVICE, 'Echo', text('handed'))), 'handed');
  });

  test('registering a service twice is refused', () => {
    const server = new Server();
    server.register('a.B', {});
    assert.throws(() => server.register('a.B', {}), /already registered/);
  });
});
