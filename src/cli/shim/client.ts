// A connection to one shim, found the way containerd finds it, and typed calls to its Task API.
import { decode, encode } from '../../api/codec.ts';
import { TaskServices } from '../../api/types.ts';
import { socketAddress, socketPath } from '../../contract/shim-address.ts';
import { Client } from '../../ttrpc/index.ts';
import type { ShimTarget } from './args.ts';

const NAMESPACE_KEY = 'containerd-namespace-ttrpc';
const CALL_TIMEOUT_MS = 10_000;

export function shimSocket(target: ShimTarget): string {
  if (target.address) return socketPath(target.address);
  return socketPath(socketAddress(target.containerdAddress, target.namespace, target.id ?? ''));
}

export class ShimClient {
  private constructor(
    readonly client: Client,
    readonly namespace: string,
  ) {}

  static async connect(target: ShimTarget): Promise<ShimClient> {
    const path = shimSocket(target);
    try {
      return new ShimClient(await Client.connect(path), target.namespace);
    } catch (err) {
      throw new Error(`cannot connect to the shim at unix://${path}: ${(err as Error).message}`);
    }
  }

  /** A Task call; `timeoutMs: 0` waits as long as it takes (Wait). */
  async task<T>(
    method: string,
    reqType: string,
    req: object,
    resType?: string,
    timeoutMs = CALL_TIMEOUT_MS,
  ): Promise<T> {
    const out = await this.raw(TaskServices.v2, method, encode(reqType, req), timeoutMs);
    return (resType ? decode<T>(resType, out) : undefined) as T;
  }

  raw(
    service: string,
    method: string,
    payload: Uint8Array,
    timeoutMs = CALL_TIMEOUT_MS,
  ): Promise<Uint8Array> {
    return this.client.call(service, method, payload, {
      metadata: { [NAMESPACE_KEY]: this.namespace },
      ...(timeoutMs > 0 ? { timeoutMs } : {}),
    });
  }

  close(): void {
    this.client.close();
  }
}
