// Task events to containerd: one ordered queue drained by one loop that calls Events/Forward on
// $TTRPC_ADDRESS. Unlike the Go shim, an event is never dropped after a few retries: containerd restarting
// or slow must not lose an exit (containerd#6771); the head is retried with backoff while the shim lives.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { encode } from '../../api/codec.ts';
import { toTimestamp } from '../../api/timestamp.ts';
import { TypeNames, type EventTopic } from '../../api/types.ts';
import { Client } from '../../ttrpc/index.ts';
import { socketPath } from '../address.ts';

const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';
const FORWARD_TIMEOUT_MS = 5_000;
const MAX_QUEUE = 8192;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;
const tracer = trace.getTracer('tsshim');

export interface QueuedEvent {
  topic: EventTopic;
  typeName: string;
  event: object;
  attempts: number;
  /** the trace context of the call that published it, which the Forward joins */
  context: Context;
}

export interface PublisherLog {
  (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

export interface Forwarder {
  forward(request: Uint8Array, namespace: string): Promise<void>;
  close(): void;
}

/** Forward over ttrpc, connecting lazily and again after a lost connection. */
export class TtrpcForwarder implements Forwarder {
  private client: Client | undefined;

  constructor(private readonly address: string) {}

  async forward(request: Uint8Array, namespace: string): Promise<void> {
    if (!this.client || this.client.closed) this.client = await Client.connect(socketPath(this.address));
    const client = this.client;
    // A client span whose context goes out as traceparent/tracestate, as otelttrpc's client interceptor does;
    // with tracing off the propagator is a no-op and the metadata stays exactly the namespace.
    const attributes = { 'rpc.system': 'ttrpc', 'rpc.service': EVENTS_SERVICE, 'rpc.method': 'Forward' };
    await tracer.startActiveSpan(
      `${EVENTS_SERVICE}/Forward`,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        const metadata: Record<string, string> = { 'containerd-namespace-ttrpc': namespace };
        propagation.inject(context.active(), metadata);
        try {
          await client.call(EVENTS_SERVICE, 'Forward', request, { timeoutMs: FORWARD_TIMEOUT_MS, metadata });
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

export class Publisher {
  private readonly queue: QueuedEvent[] = [];
  private draining = false;
  private closing = false;
  private wake: (() => void) | undefined;
  private idle: (() => void) | undefined;
  failed = 0;
  dropped = 0;

  constructor(
    private readonly namespace: string,
    private readonly forwarder: Forwarder,
    private readonly log: PublisherLog,
    private readonly backoff: { startMs: number; maxMs: number } = {
      startMs: BACKOFF_START_MS,
      maxMs: BACKOFF_MAX_MS,
    },
  ) {}

  get pending(): readonly QueuedEvent[] {
    return this.queue;
  }

  publish(topic: EventTopic, typeName: string, event: object): void {
    if (this.queue.length >= MAX_QUEUE) {
      const old = this.queue.splice(1, 1)[0];
      this.dropped++;
      this.log('error', 'event queue full, dropping an event', { topic: old?.topic });
    }
    this.queue.push({ topic, typeName, event, attempts: 0, context: context.active() });
    if (!this.draining) void this.drain();
    else this.wake?.();
  }

  private envelope(e: QueuedEvent): Uint8Array {
    return encode(TypeNames.forwardRequest, {
      envelope: {
        timestamp: toTimestamp(new Date()),
        namespace: this.namespace,
        topic: e.topic,
        event: { type_url: e.typeName, value: encode(e.typeName, e.event) },
      },
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    let backoff = this.backoff.startMs;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        await context.with(head.context, () => this.forwarder.forward(this.envelope(head), this.namespace));
        this.queue.shift();
        backoff = this.backoff.startMs;
        this.log('debug', 'event published', { topic: head.topic });
      } catch (err) {
        head.attempts++;
        this.failed++;
        this.forwarder.close();
        this.log(head.attempts === 1 ? 'warn' : 'debug', 'failed to publish event, will retry', {
          topic: head.topic,
          attempts: head.attempts,
          error: (err as Error).message,
        });
        if (this.closing) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          this.wake = () => {
            if (this.closing) {
              clearTimeout(t);
              resolve();
            }
          };
        });
        this.wake = undefined;
        backoff = Math.min(backoff * 2, this.backoff.maxMs);
      }
    }
    this.draining = false;
    this.idle?.();
  }

  /** Waits for the queue to empty (or the timeout), then closes the connection. */
  async close(timeoutMs: number): Promise<void> {
    if (this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    this.closing = true;
    this.wake?.();
    if (this.queue.length > 0)
      this.log('error', 'shim exiting with undelivered events', { topics: this.queue.map((e) => e.topic) });
    this.forwarder.close();
  }
}
