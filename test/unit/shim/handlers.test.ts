// The Task service's wire side: a request that does not decode fails as Go's generated ttrpc code fails it,
// before the service sees it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskMethods } from '../../../src/shim/service/handlers.ts';
import type { TaskService } from '../../../src/shim/service/task-service.ts';
import { Code, toStatus, type CallContext } from '../../../src/ttrpc/index.ts';

test('an undecodable request is status 13 with Go wording, and the service is not called', async () => {
  const called: string[] = [];
  const service = new Proxy({} as TaskService, {
    get: (_target, name) => () => called.push(String(name)),
  });
  const ctx = { signal: new AbortController().signal } as CallContext;
  await assert.rejects(
    Promise.resolve(taskMethods(service).State!(new Uint8Array([0xff]), ctx)),
    (err: unknown) => {
      const status = toStatus(err);
      assert.equal(status.code, Code.Internal);
      assert.match(status.message, /^ttrpc: error unmarshalling payload: ./);
      return true;
    },
  );
  assert.deepEqual(called, []);
});
