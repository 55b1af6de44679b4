// Task events to containerd: one ordered queue drained by one loop that calls Events/Forward on
// $TTRPC_ADDRESS. Unlike the Go shim, an event is not dropped after a few retries: containerd restarting or
// slow must not lose an exit (containerd#6771); the head is retried with backoff while the shim lives.
// Two things end an event's wait instead, each logged at error level:
// - containerd refuses it for good (a status no retry can change, such as InvalidArgument): it is skipped, or it
//   would hold back every later event, exits included;
// - the queue is full: the oldest event that is not an exit makes room (or, when every queued event is an exit,
//   the new one if it is not). Exits are kept even then, because containerd shows a task as running until it
//   hears of its exit; there is at most one per process containerd started, so a queue of nothing but exits
//   grows past the bound rather than losing one.
// Each envelope carries the time its event was published, as the Go shim stamps it, not the time of the try
// that got through: what containerd's subscribers see is when it happened.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { encode } from '../../api/codec.ts';
import { toTimestamp, type Timestamp } from '../../api/timestamp.ts';
import { EventTopics, TypeNames, type EventTopic } from '../../api/types.ts';
import { Client, Code, codeName, TtrpcError } from '../../ttrpc/index.ts';
import { socketPath } from '../../contract/shim-address.ts';
import type { LogFn } from '../../log/log-fn.ts';

const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';
const FORWARD_TIMEOUT_MS = 5_000;
const MAX_QUEUE = 8192;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;
const tracer = trace.getTracer('tsshim');

/** Answers that the same request would get again: retrying them only holds back the events behind. Everything
 *  else (Unavailable, DeadlineExceeded, a lost connection, Unknown, Internal, ...) may pass once containerd is
 *  back or less busy, so it is retried. */
const PERMANENT_CODES: ReadonlySet<number> = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.FailedPrecondition,
  Code.OutOfRange,
  Code.Unimplemented,
]);

export function isPermanentRejection(err: unknown): err is TtrpcError {
  return err instanceof TtrpcError && PERMANENT_CODES.has(err.code);
}

export interface QueuedEvent {
  topic: EventTopic;
  typeName: string;
  event: object;
  /** when it was published: the envelope's timestamp, whenever it is delivered */
  publishedAt: Timestamp;
  attempts: number;
  /** the trace context of the call that published it, which the Forward joins */
  context: Context;
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

export interface PublisherOptions {
  backoff?: { startMs: number; maxMs: number };
  /** undelivered events kept before the oldest non-exit one is dropped (exits are kept past it) */
  maxQueue?: number;
}

export class Publisher {
  private readonly queue: QueuedEvent[] = [];
  private readonly backoff: { startMs: number; maxMs: number };
  private readonly maxQueue: number;
  /** the event a Forward is on its way for: not dropped under it, so the loop's shift stays right */
  private inFlight: QueuedEvent | undefined;
  private draining = false;
  private closing = false;
  private wake: (() => void) | undefined;
  private idle: (() => void) | undefined;
  /** failed tries, each retried */
  failed = 0;
  /** events dropped because the queue was full */
  dropped = 0;
  /** events containerd refused for good, skipped */
  rejected = 0;

  constructor(
    private readonly namespace: string,
    private readonly forwarder: Forwarder,
    private readonly log: LogFn,
    options: PublisherOptions = {},
  ) {
    this.backoff = options.backoff ?? { startMs: BACKOFF_START_MS, maxMs: BACKOFF_MAX_MS };
    this.maxQueue = options.maxQueue ?? MAX_QUEUE;
  }

  get pending(): readonly QueuedEvent[] {
    return this.queue;
  }

  publish(topic: EventTopic, typeName: string, event: object): void {
    const queued: QueuedEvent = {
      topic,
      typeName,
      event,
      publishedAt: toTimestamp(new Date()),
      attempts: 0,
      context: context.active(),
    };
    if (this.queue.length >= this.maxQueue && !this.makeRoom(queued)) return;
    this.queue.push(queued);
    if (!this.draining) void this.drain();
    else this.wake?.();
  }

  /** Drops the oldest event that is not an exit (nor in flight); false when the new event is the one to drop. */
  private makeRoom(incoming: QueuedEvent): boolean {
    const i = this.queue.findIndex((e) => e.topic !== EventTopics.exit && e !== this.inFlight);
    if (i < 0 && incoming.topic === EventTopics.exit) return true;
    const victim = i < 0 ? incoming : this.queue.splice(i, 1)[0]!;
    this.dropped++;
    this.log('error', 'event queue full: dropping an event that is not an exit', {
      topic: victim.topic,
      event: victim.event,
      queued: this.queue.length,
    });
    return i >= 0;
  }

  private envelope(e: QueuedEvent): Uint8Array {
    return encode(TypeNames.forwardRequest, {
      envelope: {
        timestamp: e.publishedAt,
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
      let request: Uint8Array;
      try {
        request = this.envelope(head);
      } catch (err) {
        // no try can send what does not encode: skipped like a refusal rather than held in front of the rest
        this.queue.shift();
        this.rejected++;
        this.log('error', 'event does not encode, skipping it', {
          topic: head.topic,
          event: head.event,
          error: (err as Error).message,
        });
        continue;
      }
      this.inFlight = head;
      try {
        await context.with(head.context, () => this.forwarder.forward(request, this.namespace));
        this.queue.shift();
        backoff = this.backoff.startMs;
        this.log('debug', 'event published', { topic: head.topic });
      } catch (err) {
        if (isPermanentRejection(err)) {
          this.queue.shift();
          this.rejected++;
          backoff = this.backoff.startMs;
          this.log('error', 'containerd refused an event for good, skipping it', {
            topic: head.topic,
            event: head.event,
            code: codeName(err.code),
            error: err.message,
          });
          continue;
        }
        head.attempts++;
        this.failed++;
        this.forwarder.close();
        this.log(head.attempts === 1 ? 'warn' : 'debug', 'failed to publish event, will retry', {
          topic: head.topic,
          attempts: head.attempts,
          error: (err as Error).message,
        });
        if (this.closing) break;
        this.inFlight = undefined;
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
      } finally {
        this.inFlight = undefined;
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
