// Is a shim serving on this socket? `start` reuses a live group socket and replaces a stale one; `delete`
// removes the socket of a dead shim. They disagree only on a peer that neither accepts nor refuses in time.
import net from 'node:net';

export type ProbeResult = 'accepts' | 'refuses' | 'timeout';

export function probeSocket(path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    const done = (result: ProbeResult): void => {
      s.destroy();
      resolve(result);
    };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.once('connect', () => done('accepts'));
    s.once('error', () => done('refuses'));
  });
}
