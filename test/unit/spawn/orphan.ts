// Test helper: a process orphaned to us (the test process must be a child subreaper).
import assert from 'node:assert/strict';
import { run } from '../../../src/spawn/index.ts';

/** Runs `cmd` in a background subshell of `sh` and returns its pid. The subshell starts `cmd` only once sh is
 *  gone, so it is our child then: sh would otherwise reap a background job that exits before sh does. */
export async function orphan(cmd: string): Promise<number> {
  const script = `p=$$; (while kill -0 $p 2>/dev/null; do sleep 0.01; done; ${cmd}) >/dev/null 2>&1 & echo $!`;
  const r = await run('sh', ['-c', script]);
  assert.equal(r.exitCode, 0, r.stderr);
  return Number(r.stdout.trim());
}
