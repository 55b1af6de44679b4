// Misbehaving connections stay their own problem: a peer that hangs up mid-frame or sends an oversize frame
// does not disturb another connection's Wait, and one connection carries 200 concurrent calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../../src/api/codec.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { encodeHeader, MessageType, MESSAGE_LENGTH_MAX } from '../../../src/ttrpc/index.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { alive, crashLines, RawConnection, socketOf, removeRuncRoot } from './helpers.ts';

const T = TypeNames;

describe('connections', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  const initRef = () => ({ id: shim.id, exec_id: '' });
  before(async () => {
    shim = await startLiveShim();
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('200 concurrent State calls on one connection all succeed', async () => {
    const states = await Promise.all(
      Array.from({ length: 200 }, () =>
        shim.call<{ id: string; status: number }>('State', T.stateRequest, initRef(), T.stateResponse),
      ),
    );
    assert.equal(states.length, 200);
    for (const s of states) assert.deepEqual([s.id, s.status], [shim.id, 2]);
  });

  test('a Wait outlives a peer that hangs up mid-frame and one that sends a 5 MiB frame', async () => {
    const waiter = await RawConnection.connect(socketOf(shim));
    try {
      const waiting = waiter.request(shim, 'Wait', encode(T.waitRequest, initRef()));
      let settled = false;
      void waiting.then(() => (settled = true));

      // hang up inside a frame: the header announces 100 bytes, 20 arrive
      const hangup = await RawConnection.connect(socketOf(shim));
      hangup.write(encodeHeader({ length: 100, streamId: 1, type: MessageType.Request, flags: 0 }));
      hangup.write(new Uint8Array(20));
      hangup.close();

      // hang up inside a frame header
      const headerOnly = await RawConnection.connect(socketOf(shim));
      headerOnly.write(new Uint8Array([0, 0, 0]));
      headerOnly.close();

      // an oversize frame is refused with 8 and Go's wording, and that connection goes on serving
      const big = await RawConnection.connect(socketOf(shim));
      try {
        const size = 5 << 20;
        const { streamId, response } = big.expect();
        big.write(encodeHeader({ length: size, streamId, type: MessageType.Request, flags: 0 }));
        big.write(new Uint8Array(size));
        const refused = await response;
        assert.deepEqual(
          [refused.status?.code, refused.status?.message],
          [8, `message length ${size} exceed maximum message size of ${MESSAGE_LENGTH_MAX}`],
        );
        const next = await big.request(shim, 'State', encode(T.stateRequest, initRef()));
        assert.equal(next.status, undefined, next.status?.message);
      } finally {
        big.close();
      }

      assert.equal(settled, false, 'Wait returned while the process runs');
      const { pid } = await shim.call<{ pid: number }>('State', T.stateRequest, initRef(), T.stateResponse);
      await shim.call('Kill', T.killRequest, { ...initRef(), signal: 9 });
      const res = await waiting;
      assert.equal(res.status, undefined, res.status?.message);
      const wait = decode<{ exit_status: number }>(T.waitResponse, res.payload);
      assert.equal(wait.exit_status, 137);
      assert.equal(alive(pid), false);
    } finally {
      waiter.close();
    }
    assert.ok(alive(shim.shimPid));
    assert.deepEqual(crashLines(shim), []);
  });
});
