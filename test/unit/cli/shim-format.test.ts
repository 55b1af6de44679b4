// What `tsshim shim` prints: aligned tables or JSON.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flatten, renderJson, renderTable } from '../../../src/cli/shim/format.ts';
import { stateRecord } from '../../../src/cli/shim/commands.ts';
import { TaskStatus } from '../../../src/api/types.ts';

describe('format', () => {
  test('a record is a KEY/VALUE table with nested keys dotted', () => {
    const out = renderTable({
      kind: 'record',
      value: { id: 'c1', pid: 42, nested: { a: 1, list: ['x', 'y'] } },
    });
    assert.equal(
      out,
      'KEY          VALUE\nid           c1\npid          42\nnested.a     1\nnested.list  x,y\n',
    );
  });

  test('rows are columns, headers upper-cased, missing cells empty', () => {
    const out = renderTable({
      kind: 'rows',
      rows: [
        { pid: 1, exec_id: '' },
        { pid: 1234, exec_id: 'e1' },
      ],
    });
    assert.equal(out, 'PID   EXEC_ID\n1     \n1234  e1\n');
  });

  test('arrays of objects get indexed keys; nothing to print prints nothing', () => {
    assert.deepEqual(flatten({ c: [{ id: 'a' }, { id: 'b' }] }), [
      ['c.0.id', 'a'],
      ['c.1.id', 'b'],
    ]);
    assert.equal(renderTable({ kind: 'none' }), '');
    assert.equal(renderJson({ kind: 'none' }), '');
  });

  test('json output is the data itself', () => {
    assert.deepEqual(JSON.parse(renderJson({ kind: 'rows', rows: [{ pid: 1 }] })), [{ pid: 1 }]);
    assert.deepEqual(JSON.parse(renderJson({ kind: 'record', value: { a: 1 } })), { a: 1 });
  });

  test('state shows the status by name and the exit time as ISO (empty while running)', () => {
    const base = {
      id: 'c1',
      bundle: '/b',
      pid: 7,
      stdin: '',
      stdout: '',
      stderr: '',
      terminal: false,
      exec_id: '',
    };
    const running = stateRecord({
      ...base,
      status: TaskStatus.RUNNING,
      exit_status: 0,
      exited_at: { seconds: -62135596800, nanos: 0 },
    });
    assert.equal(running.status, 'RUNNING');
    assert.equal(running.exited_at, '');
    const stopped = stateRecord({
      ...base,
      status: TaskStatus.STOPPED,
      exit_status: 137,
      exited_at: { seconds: 1, nanos: 0 },
    });
    assert.equal(stopped.status, 'STOPPED');
    assert.equal(stopped.exited_at, '1970-01-01T00:00:01.000Z');
  });
});
