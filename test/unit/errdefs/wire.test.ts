// errdefs over a real ttrpc server and client: a handler's errdefs error goes out exactly as Go's shim sends it
// (the frames of the Go capture), and the client, which receives a plain TtrpcError, reads the class back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import {
  ErrdefsError,
  errAlreadyExists,
  errdefsKind,
  errFailedPrecondition,
  errInvalidArgument,
  errNotFound,
  type ErrdefsKind,
} from '../../../src/errdefs/index.ts';
import { Client, Code, Server, TtrpcError, type ServiceMethods } from '../../../src/ttrpc/index.ts';
import { captureSection } from '../ttrpc/fixtures/captures.ts';
import { hex, RawPeer, TempDir, withTimeout } from '../ttrpc/helpers.ts';

const TASK_SERVICE = 'containerd.task.v2.Task';
const PROBE_SERVICE = 'test.Errdefs';

/** The id of a StateRequest (field 1). */
function stateId(payload: Uint8Array): string {
  const reader = protobuf.Reader.create(payload);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) return reader.string();
    reader.skipType(tag & 7);
  }
  return '';
}

// What the Go harness behind the capture returned: errdefs.ErrNotFound, bare and wrapped.
const taskMethods: ServiceMethods = {
  State: (payload) => {
    throw stateId(payload) === 'wrapped' ? errNotFound('container wrapped') : errNotFound();
  },
};

interface Case {
  thrown: () => Error;
  code: number;
  message: string;
  kind: ErrdefsKind;
}

const CASES: Readonly<Record<string, Case>> = {
  notFound: {
    thrown: () => errNotFound('container x'),
    code: Code.NotFound,
    message: 'container x: not found',
    kind: 'NotFound',
  },
  alreadyExists: {
    thrown: () => errAlreadyExists('container x'),
    code: Code.AlreadyExists,
    message: 'container x: already exists',
    kind: 'AlreadyExists',
  },
  invalidArgument: {
    thrown: () => errInvalidArgument('id must not be empty'),
    code: Code.InvalidArgument,
    message: 'id must not be empty: invalid argument',
    kind: 'InvalidArgument',
  },
  failedPrecondition: {
    thrown: () => errFailedPrecondition('process x is not running'),
    code: Code.FailedPrecondition,
    message: 'process x is not running: failed precondition',
    kind: 'FailedPrecondition',
  },
  // Code 9 carries three classes; containerd tells them apart by the message's suffix.
  conflict: {
    thrown: () => new ErrdefsError('Conflict', 'checkpoint x: conflict'),
    code: Code.FailedPrecondition,
    message: 'checkpoint x: conflict',
    kind: 'Conflict',
  },
  notModified: {
    thrown: () => new ErrdefsError('NotModified', 'update: not modified'),
    code: Code.FailedPrecondition,
    message: 'update: not modified',
    kind: 'NotModified',
  },
};

const probeMethods: ServiceMethods = {
  Throw: (payload) => {
    const name = new TextDecoder().decode(payload);
    const thrown = CASES[name]?.thrown;
    if (thrown === undefined) throw new Error(`no case ${name}`);
    throw thrown();
  },
  Hang: (_payload, ctx) =>
    new Promise<Uint8Array>((_, reject) =>
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
    ),
};

const dir = new TempDir();
const server = new Server();
const path = dir.socketPath();
let client: Client;

before(async () => {
  server.register(TASK_SERVICE, taskMethods);
  server.register(PROBE_SERVICE, probeMethods);
  await server.listen(path);
  client = await Client.connect(path);
});

after(async () => {
  client.close();
  await server.close();
  dir.remove();
});

describe('an errdefs error from a handler', () => {
  test('is answered byte for byte as the Go shim answers errdefs.ErrNotFound', async () => {
    const peer = await RawPeer.connect(path);
    try {
      for (const section of ['unary State id=abc -> NotFound', 'State wrapped error']) {
        const frames = captureSection(section);
        for (const frame of frames.filter((f) => f.direction === 'C->S')) peer.write(frame.bytes);
        const want = frames.filter((f) => f.direction === 'S->C').map((f) => hex(f.bytes));
        const got: string[] = [];
        for (let i = 0; i < want.length; i++) got.push((await peer.nextFrame()).hex);
        assert.deepEqual(got, want, section);
      }
    } finally {
      peer.destroy();
    }
  });

  for (const [name, want] of Object.entries(CASES)) {
    test(`${name}: arrives as a plain status error with its code and message, and reads back as ${want.kind}`, async () => {
      await assert.rejects(
        client.call(PROBE_SERVICE, 'Throw', new TextEncoder().encode(name)),
        (err: unknown) => {
          assert.ok(err instanceof TtrpcError);
          assert.ok(!(err instanceof ErrdefsError), 'the wire carries no class, only code and message');
          assert.equal(err.code, want.code);
          assert.equal(err.message, want.message);
          assert.equal(errdefsKind(err), want.kind);
          return true;
        },
      );
    });
  }
});

describe('the wire layer own errors read as errdefs classes', () => {
  test('a call that outlives its timeout is DeadlineExceeded', async () => {
    await assert.rejects(client.call(PROBE_SERVICE, 'Hang', new Uint8Array(0), { timeoutMs: 20 }), (err) => {
      assert.equal(errdefsKind(err), 'DeadlineExceeded');
      return true;
    });
  });

  test('a handler whose connection closes sees a Canceled reason', async () => {
    const reasons: unknown[] = [];
    const other = new Server();
    other.register(PROBE_SERVICE, {
      Hang: (_payload, ctx) =>
        new Promise<Uint8Array>((_, reject) => {
          ctx.signal.addEventListener(
            'abort',
            () => {
              reasons.push(ctx.signal.reason);
              reject(ctx.signal.reason);
            },
            { once: true },
          );
          closing.close();
        }),
    });
    const otherPath = dir.socketPath();
    await other.listen(otherPath);
    const closing = await Client.connect(otherPath);
    try {
      await assert.rejects(closing.call(PROBE_SERVICE, 'Hang', new Uint8Array(0)));
      await withTimeout(
        (async () => {
          while (reasons.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        })(),
      );
      assert.equal(errdefsKind(reasons[0]), 'Canceled');
    } finally {
      await other.close();
    }
  });
});
