// A raw socket playing a misbehaving (or Go) client against the server. Where Go defines the answer,
// the exact frame from the capture is asserted.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  Client,
  decodeResponse,
  encodeHeader,
  encodeRequest,
  MESSAGE_LENGTH_MAX,
  MessageType,
  Server,
  type TtrpcRequest,
} from '../../../src/ttrpc/index.ts';
import { captureSection } from './fixtures/captures.ts';
import {
  Gates,
  newObservations,
  PROBE_SERVICE,
  probeMethods,
  readText,
  TASK_SERVICE,
  taskMethods,
  text,
} from './fixtures/test-services.ts';
import { hex, RawPeer, TempDir, withTimeout } from './helpers.ts';

const dir = new TempDir();
const server = new Server();
const gates = new Gates();
const seen = newObservations();
const path = dir.socketPath();
const peers: RawPeer[] = [];

before(async () => {
  server.register(TASK_SERVICE, taskMethods);
  server.register(PROBE_SERVICE, probeMethods(gates, seen));
  await server.listen(path);
});

after(async () => {
  await server.close();
  dir.remove();
});

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.destroy();
  // Whatever the last peer did, another connection is still served.
  const client = await Client.connect(path);
  try {
    assert.equal(readText(await withTimeout(client.call(PROBE_SERVICE, 'Echo', text('healthy')))), 'healthy');
  } finally {
    client.close();
  }
});

async function connect(): Promise<RawPeer> {
  const peer = await RawPeer.connect(path);
  peers.push(peer);
  return peer;
}

function request(fields: Partial<TtrpcRequest>): Uint8Array {
  return encodeRequest({
    service: '',
    method: '',
    payload: new Uint8Array(0),
    timeoutNano: 0,
    metadata: [],
    ...fields,
  });
}

const STATE_OK = request({ service: TASK_SERVICE, method: 'State', payload: Buffer.from('0a026f6b', 'hex') });
const STATE_OK_REPLY = '12080a026f6b182a2002';

/** The S->C frames of a capture section, as hex. */
function expected(section: string): string[] {
  return captureSection(section)
    .filter((f) => f.direction === 'S->C')
    .map((f) => hex(f.bytes));
}

async function frames(peer: RawPeer, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push((await peer.nextFrame()).hex);
  return out;
}

describe('replaying the Go client capture', () => {
  const sections = [
    'unary State id=abc -> NotFound',
    'unary State id=ok -> success',
    'unary Kill -> Empty',
    'State wrapped error',
    'State plain error',
    'State context.DeadlineExceeded from handler',
    'unknown method / unknown service',
  ];
  test('every answer is byte-identical to the Go server', async () => {
    const peer = await connect();
    for (const section of sections) {
      const captured = captureSection(section);
      for (const frame of captured.filter((f) => f.direction === 'C->S')) peer.write(frame.bytes);
      const want = expected(section);
      assert.deepEqual(await frames(peer, want.length), want, section);
    }
  });
});

describe('stream id rules', () => {
  test('an even stream id is answered with status 3 on that id', async () => {
    const peer = await connect();
    peer.writeFrame(2, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), expected('raw: even stream id 2'));
    peer.writeFrame(0, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), expected('raw: stream id 0'));
  });

  test('a reused or decreasing stream id is answered with status 3 and the connection lives', async () => {
    const peer = await connect();
    const answers: string[] = [];
    for (const sid of [5, 3, 5]) {
      peer.writeFrame(sid, MessageType.Request, 0, STATE_OK);
      answers.push(...(await frames(peer, 1)));
    }
    assert.deepEqual(answers, expected('raw: reuse/decrease stream id (5 then 3 then 5)'));
    peer.writeFrame(7, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), [`0000000a000000070200${STATE_OK_REPLY}`]);
  });

  test('a larger, non-contiguous stream id is accepted', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, STATE_OK);
    peer.writeFrame(101, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(
      (await frames(peer, 2)).sort(),
      expected('raw: non-contiguous ids allowed (1 then 101)').sort(),
    );
  });

  test('a Data frame on an unknown stream is answered with `StreamID is no longer active`', async () => {
    const peer = await connect();
    peer.writeFrame(9, MessageType.Data, 0, text('x'));
    assert.deepEqual(await frames(peer, 1), expected('raw: data on unknown stream'));
  });

  test('a Data frame on a finished stream is answered the same way', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, STATE_OK);
    await frames(peer, 1);
    peer.writeFrame(1, MessageType.Data, 0x05, new Uint8Array(0));
    const reply = decodeResponse((await peer.nextFrame()).data);
    assert.deepEqual(reply.status, { code: 3, message: 'StreamID is no longer active', details: [] });
  });

  test('a Data frame on an in-flight unary call is ignored (Go would crash) and the call completes', async () => {
    const peer = await connect();
    peer.writeFrame(
      1,
      MessageType.Request,
      0,
      request({ service: PROBE_SERVICE, method: 'Gate', payload: text('inflight') }),
    );
    await withTimeout(seen.entered.wait('inflight'));
    peer.writeFrame(1, MessageType.Data, 0, text('x'));
    peer.writeFrame(1, MessageType.Data, 0x05, new Uint8Array(0));
    peer.writeFrame(3, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), [`0000000a000000030200${STATE_OK_REPLY}`]);
    gates.open('inflight');
    const reply = await peer.nextFrame();
    assert.equal(reply.streamId, 1);
    assert.equal(readText(decodeResponse(reply.data).payload), 'inflight');
  });

  test('frames of unknown type, and Response frames from a client, are ignored', async () => {
    const peer = await connect();
    peer.writeFrame(1, 7, 0, text('future'));
    peer.writeFrame(3, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), expected('raw: unknown message type 7 then valid'));
    peer.writeFrame(5, MessageType.Response, 0, new Uint8Array(0));
    peer.writeFrame(7, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), [`0000000a000000070200${STATE_OK_REPLY}`]);
  });

  test('request flags are ignored for a unary method', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0x07, STATE_OK);
    assert.deepEqual(await frames(peer, 1), expected('raw: request flags ignored (flags=0x07 on unary)'));
  });
});

describe('malformed requests', () => {
  test('undecodable Request data is status 3 `unmarshal request error: ...`', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, Buffer.from('ffffffffffffffffffffff', 'hex'));
    const { status } = decodeResponse((await peer.nextFrame()).data);
    assert.equal(status?.code, 3);
    assert.match(
      status?.message ?? '',
      /^unmarshal request error: proto: cannot parse invalid wire-format data/,
    );
  });

  test('invalid UTF-8 in the service name gets Go exact answer', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, Buffer.from('0a02ff6112055374617465', 'hex'));
    assert.deepEqual(await frames(peer, 1), [
      '00000042000000010200' +
        '0a400803123c756e6d61727368616c2072657175657374206572726f723a20737472696e67206669656c6420636f6e7461696e7320696e76616c6964205554462d38',
    ]);
  });

  test('a payload the handler cannot decode is status 13', async () => {
    const peer = await connect();
    peer.writeFrame(
      1,
      MessageType.Request,
      0,
      request({ service: TASK_SERVICE, method: 'State', payload: Buffer.from('07', 'hex') }),
    );
    const { status } = decodeResponse((await peer.nextFrame()).data);
    assert.equal(status?.code, 13);
    assert.match(status?.message ?? '', /^ttrpc: error unmarshalling payload: /);
  });

  test('an absent payload reaches the handler as an empty message', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, request({ service: TASK_SERVICE, method: 'State' }));
    assert.deepEqual(await frames(peer, 1), expected('raw: absent payload (StateRequest{} )'));
  });

  test('a zero-length Request is an empty request: `service ` unimplemented', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, new Uint8Array(0));
    assert.deepEqual(await frames(peer, 1), expected('raw: zero-length request frame'));
  });

  test('unknown fields in a Request are ignored', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, Buffer.concat([STATE_OK, Buffer.from('32016b', 'hex')]));
    assert.deepEqual(await frames(peer, 1), [`0000000a000000010200${STATE_OK_REPLY}`]);
  });

  test('metadata keys reach the handler exactly as sent', async () => {
    const peer = await connect();
    const metadata = [
      { key: 'Upper-Key', value: 'v1' },
      { key: 'Upper-Key', value: 'v2' },
    ];
    peer.writeFrame(1, MessageType.Request, 0, request({ service: PROBE_SERVICE, method: 'Echo', metadata }));
    await peer.nextFrame();
    assert.deepEqual([...(seen.contexts.at(-1)?.metadata ?? [])], [['Upper-Key', ['v1', 'v2']]]);
  });
});

describe('deadlines', () => {
  test('a handler failing with its deadline answers status 4 exactly as Go', async () => {
    const peer = await connect();
    const payload = text('deadline-raw');
    peer.writeFrame(
      1,
      MessageType.Request,
      0,
      request({ service: PROBE_SERVICE, method: 'UntilAborted', payload, timeoutNano: 20e6 }),
    );
    assert.deepEqual(await frames(peer, 1), [
      '0000001f000000010200' + '0a1d08041219636f6e7465787420646561646c696e65206578636565646564',
    ]);
  });

  test('a negative timeout_nano gives an already expired context', async () => {
    const peer = await connect();
    peer.writeFrame(
      1,
      MessageType.Request,
      0,
      request({ service: PROBE_SERVICE, method: 'Echo', timeoutNano: -1e9 }),
    );
    await peer.nextFrame();
    const ctx = seen.contexts.at(-1);
    assert.ok(ctx?.deadline !== undefined && ctx.deadline <= Date.now());
  });
});

describe('the 4 MiB limit on receive', () => {
  test('an oversize frame is discarded, answered with status 8 on its id, and the next request served', async () => {
    const peer = await connect();
    const header = encodeHeader({
      length: MESSAGE_LENGTH_MAX + 1,
      streamId: 1,
      type: MessageType.Request,
      flags: 0,
    });
    peer.write(header);
    // Stream the body in pieces, as a real peer would.
    for (let sent = 0; sent < MESSAGE_LENGTH_MAX + 1; sent += 1 << 20) {
      peer.write(new Uint8Array(Math.min(1 << 20, MESSAGE_LENGTH_MAX + 1 - sent)));
    }
    peer.writeFrame(3, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 2), expected('raw: oversize frame then valid request'));
  });

  test('an oversize Request does not advance the last stream id', async () => {
    const peer = await connect();
    peer.write(
      encodeHeader({ length: MESSAGE_LENGTH_MAX + 1, streamId: 9, type: MessageType.Request, flags: 0 }),
    );
    peer.write(new Uint8Array(MESSAGE_LENGTH_MAX + 1));
    await frames(peer, 1);
    peer.writeFrame(5, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), [`0000000a000000050200${STATE_OK_REPLY}`]);
  });

  test('an oversize reply is replaced by status 8 on its stream (Go would drop the connection)', async () => {
    const peer = await connect();
    const payload = text(String(MESSAGE_LENGTH_MAX - 4)); // Response data: 4194305 bytes
    peer.writeFrame(1, MessageType.Request, 0, request({ service: PROBE_SERVICE, method: 'Big', payload }));
    assert.deepEqual(await frames(peer, 1), expected('raw: oversize frame then valid request').slice(0, 1));
    peer.writeFrame(3, MessageType.Request, 0, STATE_OK);
    assert.deepEqual(await frames(peer, 1), [`0000000a000000030200${STATE_OK_REPLY}`]);
  });

  test('a frame of exactly 4194304 bytes passes the size check', async () => {
    const peer = await connect();
    peer.writeFrame(1, MessageType.Request, 0, new Uint8Array(MESSAGE_LENGTH_MAX).fill(0xff));
    const { status } = decodeResponse((await peer.nextFrame()).data);
    assert.equal(status?.code, 3);
    assert.match(status?.message ?? '', /^unmarshal request error: /);
  });
});

describe('broken connections', () => {
  test('a truncated header then close: the connection is closed', async () => {
    const peer = await connect();
    peer.write(Buffer.from('0000002700', 'hex'));
    peer.socket.end();
    await peer.expectClosedWithoutFrames();
  });

  test('a disconnect mid-frame aborts that connection in-flight handlers', async () => {
    const peer = await connect();
    const before = seen.abortReasons.length;
    peer.writeFrame(
      1,
      MessageType.Request,
      0,
      request({ service: PROBE_SERVICE, method: 'UntilAborted', payload: text('mid') }),
    );
    await withTimeout(seen.entered.wait('mid'));
    peer.write(encodeHeader({ length: 100, streamId: 3, type: MessageType.Request, flags: 0 }));
    peer.write(new Uint8Array(50));
    peer.destroy();
    await withTimeout(
      (async () => {
        while (seen.abortReasons.length === before) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
  });

  test('a peer vanishing while a 4 GiB frame is being discarded', async () => {
    const peer = await connect();
    peer.write(encodeHeader({ length: 0xffffffff, streamId: 1, type: MessageType.Request, flags: 0 }));
    peer.write(new Uint8Array(1 << 16));
    peer.socket.end();
    await peer.expectClosedWithoutFrames();
  });

  test('random bytes do not bring the server down', async () => {
    let seed = 0x2545f491;
    const random = Buffer.alloc(64 * 1024);
    for (let i = 0; i < random.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      random[i] = seed >>> 24;
    }
    for (let round = 0; round < 4; round++) {
      const peer = await connect();
      peer.write(random.subarray(round * 1000));
      peer.socket.end();
      await withTimeout(peer.closed);
    }
  });

  test('frames that each parse but carry nonsense are answered and the connection lives', async () => {
    const peer = await connect();
    for (let sid = 1; sid <= 15; sid += 2)
      peer.writeFrame(sid, (sid % 4) + 1, sid & 7, Buffer.from([sid, 0xff, 0x00]));
    peer.writeFrame(101, MessageType.Request, 0, STATE_OK);
    for (;;) {
      const frame = await peer.nextFrame();
      if (frame.streamId === 101) {
        assert.equal(hex(frame.data), STATE_OK_REPLY);
        break;
      }
    }
  });
});
