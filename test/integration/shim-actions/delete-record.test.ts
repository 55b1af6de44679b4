// `delete` without Node: a daemon that deleted its container and shut down cleanly leaves the DeleteResponse in
// the bundle, and the launcher prints it without starting Node; a killed daemon leaves none, and a record that
// is not well formed is ignored: the Node action then runs as before (status 137, the pid from init.pid).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '../../../src/api/codec.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { DELETE_RECORD_FILE, deleteRecordText } from '../../../src/shim/delete-record.ts';
import { alive } from '../../helpers/cleanup.ts';
import { shimBin, startLiveShim } from '../../helpers/live-shim.ts';

interface DeleteResponse {
  pid: number;
  exit_status: number;
  exited_at: { seconds: number | string; nanos: number } | null;
}

function runDelete(bundle: string, env: Record<string, string> = {}): DeleteResponse {
  const res = spawnSync(
    shimBin,
    ['-namespace', 'ns', '-address', '/nonexistent.sock', '-id', 'c', '-bundle', bundle, 'delete'],
    {
      cwd: bundle,
      env: { ...process.env, ...env },
    },
  );
  assert.equal(res.status, 0, res.stderr.toString());
  return decode<DeleteResponse>(TypeNames.deleteResponse, res.stdout);
}

describe('the delete action and the record a clean shutdown leaves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-delrec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a well-formed record is printed as it is, bytes for bytes (no Node: the Node action says 137)', () => {
    const bundle = mkdtempSync(join(dir, 'b-'));
    const response = { pid: 4321, exit_status: 42, exited_at: { seconds: 1_700_000_000, nanos: 5 } };
    writeFileSync(
      join(bundle, DELETE_RECORD_FILE),
      deleteRecordText(encode(TypeNames.deleteResponse, response)),
    );
    const got = runDelete(bundle);
    assert.equal(got.pid, 4321);
    assert.equal(got.exit_status, 42);
    assert.equal(Number(got.exited_at?.seconds), 1_700_000_000);
    // the switch that forces the Node action shows the difference
    assert.equal(runDelete(bundle, { TSSHIM_DELETE_RECORD: '0' }).exit_status, 137);
  });

  test('a record that is not well formed is ignored and the Node action runs', () => {
    for (const text of [
      'tsshim-delete-response v1 \\010\\9\n',
      'tsshim-delete-response v1 \n',
      'tsshim-delete-response v2 \\010\\001\n',
      'tsshim-delete-response v1 \\010\\001; rm -rf /tmp/x\n',
      'garbage',
      '',
    ]) {
      const bundle = mkdtempSync(join(dir, 'c-'));
      writeFileSync(join(bundle, 'init.pid'), '777');
      writeFileSync(join(bundle, DELETE_RECORD_FILE), text);
      const got = runDelete(bundle);
      assert.deepEqual([got.pid, got.exit_status], [777, 137], JSON.stringify(text));
    }
  });

  test('a clean Delete + Shutdown leaves the record of what Delete answered; a killed daemon leaves none', async () => {
    const shim = await startLiveShim();
    try {
      const ref = { id: shim.id, exec_id: '' };
      await shim.call('Kill', TypeNames.killRequest, { ...ref, signal: 9 });
      await shim.call('Wait', TypeNames.waitRequest, ref, TypeNames.waitResponse);
      const deleted = await shim.call<DeleteResponse>(
        'Delete',
        TypeNames.deleteRequest,
        ref,
        TypeNames.deleteResponse,
      );
      assert.equal(
        existsSync(join(shim.bundle, DELETE_RECORD_FILE)),
        false,
        'written at Shutdown, not before',
      );
      await shim.call('Shutdown', TypeNames.shutdownRequest, { id: shim.id });
      const record = readFileSync(join(shim.bundle, DELETE_RECORD_FILE), 'utf8');
      const printed = runDelete(shim.bundle);
      assert.deepEqual(printed, deleted);
      assert.ok(record.startsWith('tsshim-delete-response v1 '));
    } finally {
      await shim.stop();
    }

    const killed = await startLiveShim();
    try {
      process.kill(killed.shimPid, 'SIGKILL');
      for (let i = 0; i < 50 && alive(killed.shimPid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(existsSync(join(killed.bundle, DELETE_RECORD_FILE)), false);
      assert.equal(
        runDelete(killed.bundle).exit_status,
        137,
        'the Node action cleaned up after the killed daemon',
      );
    } finally {
      await killed.stop();
    }
  });
});
