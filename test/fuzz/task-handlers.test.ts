// Every Task method's decoder and handler, called directly with arbitrary bytes and arbitrary field values: each
// call settles, and every failure is a status the handler meant (ttrpc's unmarshalling error, InvalidArgument,
// NotFound, ...), never a TypeError from a field that was not what the code expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TtrpcError, type CallContext } from '../../src/ttrpc/index.ts';
import type { Publisher } from '../../src/shim/events/publisher.ts';
import { taskMethods } from '../../src/shim/service/handlers.ts';
import { TaskService } from '../../src/shim/service/task-service.ts';
import {
  REQUEST_TYPES,
  anyMessage,
  encodedArbitrary,
  fuzzParameters,
  type Overrides,
} from './arbitraries.ts';
import { withTimeout } from '../unit/ttrpc/helpers.ts';

let shutdowns = 0;
// A service with no container: every call that names one ends in the service's own checks, and nothing outside
// this process is touched (Create is given ids it must refuse before it mounts or runs anything).
const service = new TaskService({
  namespace: 'fuzz',
  publisher: { publish: () => undefined } as unknown as Publisher,
  exits: {
    onExit: () => () => undefined,
    captureExits: () => ({ take: () => undefined, close: () => undefined }),
  },
  log: () => undefined,
  requestShutdown: () => shutdowns++,
});
const methods = taskMethods(service);

function context(method: string): CallContext {
  return {
    service: 'containerd.task.v2.Task',
    method,
    streamId: 1,
    metadata: new Map(),
    signal: AbortSignal.timeout(1000),
  } as unknown as CallContext;
}

/** Calls the handler; its failure, if any, must be a deliberate status. */
async function call(method: string, payload: Uint8Array): Promise<void> {
  const handler = methods[method]!;
  try {
    const out = await withTimeout(Promise.resolve(handler(payload, context(method))), 5000, method);
    assert.ok(out instanceof Uint8Array, `${method} answered ${String(out)}`);
  } catch (err) {
    assert.ok(err instanceof TtrpcError, `${method} failed with ${String((err as Error).stack ?? err)}`);
  }
}

/** Field values for `method`: anything, except a Create that could be valid (it would mount and run runc). */
function fields(method: string): fc.Arbitrary<Uint8Array> {
  const overrides: Overrides =
    method === 'Create'
      ? { id: fc.constantFrom('', '../x', 'a/b', 'x\n', 'a'.repeat(77)) }
      : {
          options: anyMessage(['containerd.runc.v1.Options', 'containerd.runc.v1.CheckpointOptions']),
          spec: anyMessage(['types.containerd.io/opencontainers/runtime-spec/1/Process']),
          resources: anyMessage(['types.containerd.io/opencontainers/runtime-spec/1/LinuxResources']),
        };
  return encodedArbitrary(REQUEST_TYPES[method]!, overrides);
}

test('every method has a request type here', () => {
  assert.deepEqual(Object.keys(methods).sort(), Object.keys(REQUEST_TYPES).sort());
});

for (const method of Object.keys(REQUEST_TYPES)) {
  test(`${method}: arbitrary bytes and arbitrary field values end in a payload or a deliberate status`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fields(method)), async (payload) =>
        call(method, payload),
      ),
      fuzzParameters(100),
    );
  });
}
