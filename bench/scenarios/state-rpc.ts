// The State RPC straight to each shim's socket with our ttrpc client: the shim's own request path, with no
// containerd and no ctr process in the way.
import { TaskServices, TypeNames, encode } from '../../src/api/index.ts';
import { Client } from '../../src/ttrpc/index.ts';
import { shimSocketPath } from '../lib/ctr.ts';
import type { Subject } from '../lib/subjects.ts';
import { benchContainer } from './latency.ts';

const BLOCK = 200;

export async function measureStateRpc(
  subjects: Subject[],
  calls: number,
  warmup: number,
): Promise<Map<string, number[]>> {
  const clients = new Map<string, Client>();
  const payload = encode(TypeNames.stateRequest, { id: benchContainer });
  try {
    for (const s of subjects)
      clients.set(s.key, await Client.connect(shimSocketPath(s.daemon, benchContainer)));
    const call = async (s: Subject): Promise<number> => {
      const t0 = performance.now();
      await clients.get(s.key)!.call(TaskServices.v3, 'State', payload, {
        timeoutMs: 10_000,
        metadata: { 'containerd-namespace-ttrpc': s.daemon.namespace },
      });
      return performance.now() - t0;
    };
    for (const s of subjects) for (let i = 0; i < warmup; i++) await call(s);
    const samples = new Map<string, number[]>(subjects.map((s) => [s.key, []]));
    // blocks of sequential calls, alternating between shims
    for (let done = 0; done < calls; done += BLOCK) {
      for (const s of subjects) {
        const out = samples.get(s.key)!;
        for (let i = 0; i < Math.min(BLOCK, calls - done); i++) out.push(await call(s));
      }
    }
    return samples;
  } finally {
    for (const c of clients.values()) c.close();
  }
}
