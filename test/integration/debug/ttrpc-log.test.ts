// The shim's ttrpc server writes to the shim's log what it cannot tell a peer: a peer with other credentials is
// refused and logged at error level, a frame a peer got wrong is answered and logged at debug level.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeFrame, MessageType } from '../../../src/ttrpc/index.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { eventually, RawConnection, removeRuncRoot, socketOf } from '../robustness/helpers.ts';

describe('the ttrpc server logs through the shim log', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim({ debug: true, start: false });
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('a peer with another gid is refused and logged at error level with its credentials', async () => {
    // root with another gid passes the socket's file permissions, and SO_PEERCRED shows the gid
    const res = spawnSync(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createConnection(${JSON.stringify(socketOf(shim))});
         s.on('close', () => process.exit(0)); s.on('error', () => process.exit(0));
         setTimeout(() => process.exit(2), 5000);`,
      ],
      { gid: 4242, encoding: 'utf8' },
    );
    assert.equal(res.status, 0, `the shim closed the connection: ${res.stderr}`);
    const lines = await eventually(
      () => shim.log().filter((l) => l.includes('refusing connection after handshake')),
      (l) => l.length > 0,
    );
    assert.equal(lines.length, 1, shim.log().join('\n'));
    assert.match(lines[0]!, /"level":"error"/);
    assert.match(lines[0]!, /invalid credentials: peer uid 0 gid 4242/);
  });

  test('a request that does not decode is logged at debug level', async () => {
    const conn = await RawConnection.connect(socketOf(shim));
    try {
      const { streamId, response } = conn.expect();
      conn.write(encodeFrame(streamId, MessageType.Request, 0, new Uint8Array([0xff, 0xff, 0xff])));
      await response;
      const lines = await eventually(
        () => shim.log().filter((l) => l.includes('unmarshal request error')),
        (l) => l.length > 0,
      );
      assert.equal(lines.length, 1, shim.log().join('\n'));
      assert.match(lines[0]!, /"level":"debug"/);
      assert.match(lines[0]!, /"streamId":1/);
    } finally {
      conn.close();
    }
  });
});
