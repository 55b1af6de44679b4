// Raw garbage as request payloads: each undecodable payload is answered 13 `ttrpc: error unmarshalling
// payload: …` (Go's wording), nothing crashes, and the container keeps running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decode, encode } from '../../../src/api/codec.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { alive, crashLines, outcome, RawConnection, socketOf, removeRuncRoot } from './helpers.ts';

const T = TypeNames;

const METHODS: [method: string, requestType: string][] = [
  ['State', T.stateRequest],
  ['Create', T.createTaskRequest],
  ['Start', T.startRequest],
  ['Delete', T.deleteRequest],
  ['Pids', T.pidsRequest],
  ['Pause', T.pauseRequest],
  ['Resume', T.resumeRequest],
  ['Checkpoint', T.checkpointTaskRequest],
  ['Kill', T.killRequest],
  ['Exec', T.execProcessRequest],
  ['ResizePty', T.resizePtyRequest],
  ['CloseIO', T.closeIORequest],
  ['Update', T.updateTaskRequest],
  ['Wait', T.waitRequest],
  ['Stats', T.statsRequest],
  ['Connect', T.connectRequest],
  ['Shutdown', T.shutdownRequest],
];

/** Deterministic pseudo-random bytes (the same on every run, so a failure can be replayed). */
function bytes(seed: string, length: number): Uint8Array {
  const out = Buffer.alloc(length);
  for (let off = 0, i = 0; off < length; i++)
    off += createHash('sha256').update(`${seed}/${i}`).digest().copy(out, off);
  return out;
}

/** Decoded strictly: from a plain Uint8Array protobufjs checks every length (from a Buffer it clamps them). */
function decodes(type: string, payload: Uint8Array): boolean {
  try {
    decode(type, Uint8Array.from(payload));
    return true;
  } catch {
    return false;
  }
}

/** Payloads that cannot be decoded as `type`: random bytes, truncated messages, broken wire types. */
function undecodable(method: string, type: string): [label: string, payload: Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (let n = 0; out.length < 8 && n < 500; n++) {
    const payload = bytes(`${method}/${n}`, 1 + ((n * 37) % 300));
    if (!decodes(type, payload)) out.push([`random #${n} (${payload.length} bytes)`, payload]);
  }
  // a valid request cut inside its id string
  const whole = encode(type, { id: 'x'.repeat(40), exec_id: 'y'.repeat(10) });
  out.push(['truncated inside a string', whole.subarray(0, 10)]);
  // a length-delimited field whose length runs past the end
  out.push(['length past the end', Uint8Array.from([0x0a, 0x7f, 0x41])]);
  // field 1 sent as a varint cut before its end
  out.push(['unterminated varint', Uint8Array.from([0x08, 0xff, 0xff])]);
  // wire types 6 and 7 do not exist; 4 is an end-group with no start
  out.push(['wire type 7', Uint8Array.from([0x7f, 0x01])]);
  out.push(['wire type 6', Uint8Array.from([0x0e, 0x01])]);
  out.push(['stray end group', Uint8Array.from([0x0c])]);
  for (const [label, payload] of out) assert.ok(!decodes(type, payload), `${method}: ${label} decodes`);
  return out;
}

describe('garbage payloads', { timeout: 180_000 }, () => {
  let shim: LiveShim;
  let raw: RawConnection;
  let initPid: number;
  before(async () => {
    shim = await startLiveShim();
    raw = await RawConnection.connect(socketOf(shim));
    const state = await shim.call<{ pid: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: '' },
      T.stateResponse,
    );
    initPid = state.pid;
  });
  after(async () => {
    raw?.close();
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  for (const [method, type] of METHODS) {
    test(`${method}: undecodable payloads answer 13 "ttrpc: error unmarshalling payload"`, async () => {
      for (const [label, payload] of undecodable(method, type)) {
        const res = await raw.request(shim, method, payload);
        assert.equal(res.status?.code, 13, `${label}: ${res.status?.message}`);
        assert.match(res.status?.message ?? '', /^ttrpc: error unmarshalling payload: /, label);
      }
      // the shim still answers, on this connection and on others, and the container still runs
      const state = await shim.call<{ status: number; pid: number }>(
        'State',
        T.stateRequest,
        { id: shim.id, exec_id: '' },
        T.stateResponse,
      );
      assert.equal(state.status, 2);
      assert.equal(state.pid, initPid);
      assert.ok(alive(initPid));
    });
  }

  test('a field sent with the wrong wire type never crashes the shim', async () => {
    // protobufjs reads field 1 as a string whatever its wire type (Go would skip it as an unknown field):
    // the id becomes "A", an unknown container. Either way the answer is a status, not a crash.
    const wrongWireType = Uint8Array.from([0x08, 0x01, 0x41]);
    for (const [method] of METHODS) {
      const res = await raw.request(shim, method, wrongWireType);
      if (method === 'Connect' || method === 'Shutdown') assert.equal(res.status, undefined, method);
      else if (method === 'Create') assert.ok((res.status?.code ?? 0) !== 0, method);
      // an Exec needs an exec id: the empty one is refused before the container is looked up
      else if (method === 'Exec') assert.equal(res.status?.code, 3, `${method}: ${res.status?.message}`);
      else assert.equal(res.status?.code, 5, `${method}: ${res.status?.message}`);
    }
    assert.ok(alive(shim.shimPid));
  });

  test('after all of it: nothing crashed, nothing was lost', async () => {
    assert.deepEqual(crashLines(shim), []);
    assert.ok(alive(shim.shimPid));
    const res = await outcome(
      shim.call('State', T.stateRequest, { id: shim.id, exec_id: '' }, T.stateResponse),
    );
    assert.equal(res.code, 0, res.message);
    assert.ok(alive(initPid));
  });
});
