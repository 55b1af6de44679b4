// Our ttrpc client against a real Go ttrpc server: Events/Forward on containerd's own ttrpc socket, observed
// with `ctr events` the way a user would see it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../../src/api/codec.ts';
import { packAny } from '../../../src/api/any.ts';
import { toTimestamp } from '../../../src/api/timestamp.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { Client, Code, TtrpcError } from '../../../src/ttrpc/index.ts';
import {
  containerdVersions,
  skipReason,
  startContainerd,
  type Containerd,
} from '../../helpers/containerd.ts';

const EVENTS = 'containerd.services.events.ttrpc.v1.Events';

function forwardRequest(namespace: string, topic: string, containerId: string): Uint8Array {
  return encode(TypeNames.forwardRequest, {
    envelope: {
      timestamp: toTimestamp(new Date()),
      namespace,
      topic,
      event: packAny(TypeNames.taskOOM, { container_id: containerId }),
    },
  });
}

function waitForLine(chunks: string[], pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const line = chunks
        .join('')
        .split('\n')
        .find((l) => pattern.test(l));
      if (line) return resolve(line);
      if (Date.now() > deadline)
        return reject(new Error(`no line matching ${pattern} in: ${chunks.join('')}`));
      setTimeout(check, 50);
    };
    check();
  });
}

for (const version of containerdVersions) {
  describe(`ttrpc interop with containerd ${version}`, { skip: skipReason(version) }, () => {
    let daemon: Containerd;
    before(async () => {
      daemon = await startContainerd(version, { shim: 'go' });
    });
    after(async () => {
      await daemon?.stop();
    });

    test(
      'a Forward from our client reaches ctr events with its topic and payload',
      { timeout: 60_000 },
      async () => {
        const events = daemon.ctrSpawn(['events']);
        const out: string[] = [];
        events.stdout.on('data', (d: Buffer) => out.push(d.toString()));
        // ctr events subscribes asynchronously: keep forwarding until it shows up
        const client = await Client.connect(daemon.ttrpcAddress);
        try {
          const id = `interop-${version}`;
          let line: string | undefined;
          for (let i = 0; i < 40 && !line; i++) {
            await client.call(EVENTS, 'Forward', forwardRequest(daemon.namespace, '/tasks/oom', id), {
              metadata: { 'containerd-namespace-ttrpc': daemon.namespace },
              timeoutMs: 5_000,
            });
            line = await waitForLine(out, new RegExp(`/tasks/oom.*${id}`), 250).catch(() => undefined);
          }
          assert.ok(line, `ctr events never showed the event; output: ${out.join('')}`);
          assert.ok(line.includes(daemon.namespace), line);
          assert.match(line, /container_id/);
        } finally {
          client.close();
          events.kill('SIGKILL');
        }
      },
    );

    test(
      'containerd refuses an invalid envelope with InvalidArgument, and the connection lives on',
      { timeout: 30_000 },
      async () => {
        const client = await Client.connect(daemon.ttrpcAddress);
        try {
          await assert.rejects(
            client.call(EVENTS, 'Forward', forwardRequest(daemon.namespace, 'no-leading-slash', 'x')),
            (err: unknown) => err instanceof TtrpcError && err.code === Code.InvalidArgument,
          );
          await client.call(EVENTS, 'Forward', forwardRequest(daemon.namespace, '/tasks/oom', 'after-error'));
        } finally {
          client.close();
        }
      },
    );

    test('an unknown method gets Unimplemented from the Go server', { timeout: 30_000 }, async () => {
      const client = await Client.connect(daemon.ttrpcAddress);
      try {
        await assert.rejects(
          client.call(EVENTS, 'Nope', new Uint8Array()),
          (err: unknown) =>
            err instanceof TtrpcError && err.code === Code.Unimplemented && err.message === 'method Nope',
        );
      } finally {
        client.close();
      }
    });
  });
}
