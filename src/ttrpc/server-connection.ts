// One accepted connection: parses frames, applies Go's stream-id rules, runs each request
// concurrently and writes responses in completion order.
import type { Socket } from 'node:net';
import { Code } from './codes.ts';
import { MESSAGE_LENGTH_MAX, MessageType, oversizeMessage } from './constants.ts';
import { decodeRequest, encodeResponse, type RpcStatus, type TtrpcRequest } from './envelope.ts';
import { errCanceled, errDeadlineExceeded, toStatus } from './errdefs.ts';
import { encodeFrame, FrameReader, type FrameEvent } from './frame.ts';
import type { TtrpcLogger } from './logger.ts';
import { metadataFromKeyValues } from './metadata.ts';
import type { CallContext, ServiceRegistry, UnaryHandler } from './services.ts';

// setTimeout cannot wait longer than this; a deadline further away is as good as none.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A handler can throw anything, even a value that throws when described (`{ toString: 1 }`, a Proxy): the call
 *  still gets an answer, and nothing escapes as an unhandled rejection. A code that is not a positive int32 would
 *  reach the wire as another one (2^40 as 0, success), so it is sent as Unknown. */
function statusOfThrown(err: unknown): RpcStatus {
  try {
    const status = toStatus(err);
    const valid = Number.isInteger(status.code) && status.code > 0 && status.code <= 0x7fffffff;
    return valid ? status : { ...status, code: Code.Unknown };
  } catch {
    return {
      code: Code.Unknown,
      message: 'ttrpc: the handler threw a value that cannot be described',
      details: [],
    };
  }
}

export class ServerConnection {
  private readonly reader = new FrameReader();
  private readonly inFlight = new Map<number, AbortController>();
  private lastStreamId = 0;
  private draining = false;
  private isClosed = false;
  private resolveClosed!: () => void;
  /** Settles once the socket is fully closed. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly socket: Socket,
    private readonly registry: ServiceRegistry,
    private readonly logger: TtrpcLogger,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => {
      this.logger.debug({ err }, 'ttrpc: connection error');
      this.destroy();
    });
    socket.on('close', () => this.onClose());
  }

  get activeCalls(): number {
    return this.inFlight.size;
  }

  /** Graceful close: in-flight calls finish and their responses are flushed first. */
  closeWhenIdle(): void {
    this.draining = true;
    this.endIfDrained();
  }

  /** Immediate close; running handlers see their signal abort and their responses are dropped. */
  destroy(): void {
    this.abortAll();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (this.isClosed) return;
      this.onFrame(event);
    }
  }

  private onEnd(): void {
    // Go stops at EOF and drops what is still running; a partial frame means the peer desynchronised.
    if (this.reader.midFrame)
      this.logger.debug({ buffered: this.reader.bufferedBytes }, 'ttrpc: EOF inside a frame');
    this.destroy();
  }

  private onClose(): void {
    this.isClosed = true;
    this.abortAll();
    this.resolveClosed();
  }

  private onFrame(event: FrameEvent): void {
    const { streamId, type, length } = event.header;
    if (event.kind === 'oversize') {
      this.sendStatus(streamId, Code.ResourceExhausted, oversizeMessage(length));
      return;
    }
    if (streamId % 2 !== 1) {
      this.sendStatus(streamId, Code.InvalidArgument, 'StreamID must be odd for client initiated streams');
      return;
    }
    if (type === MessageType.Data) {
      // Go dereferences a nil handler and crashes on Data for an in-flight unary call; we only log it.
      if (this.inFlight.has(streamId))
        this.logger.warn({ streamId }, 'ttrpc: ignoring Data frame on a unary call');
      else this.sendStatus(streamId, Code.InvalidArgument, 'StreamID is no longer active');
      return;
    }
    if (type !== MessageType.Request) {
      this.logger.debug({ streamId, type }, 'ttrpc: ignoring frame of unknown type');
      return;
    }
    if (streamId <= this.lastStreamId) {
      this.sendStatus(streamId, Code.InvalidArgument, 'StreamID cannot be re-used and must increment');
      return;
    }
    this.lastStreamId = streamId;
    let request: TtrpcRequest;
    try {
      request = decodeRequest(event.data);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.sendStatus(streamId, Code.InvalidArgument, `unmarshal request error: ${detail}`);
      return;
    }
    const resolution = this.registry.resolve(request.service, request.method);
    if ('status' in resolution) {
      this.send(streamId, encodeResponse({ status: resolution.status, payload: new Uint8Array(0) }));
      return;
    }
    this.dispatch(streamId, request, resolution.handler);
  }

  private dispatch(streamId: number, request: TtrpcRequest, handler: UnaryHandler): void {
    const controller = new AbortController();
    this.inFlight.set(streamId, controller);
    let timer: NodeJS.Timeout | undefined;
    let deadline: number | undefined;
    if (request.timeoutNano !== 0) {
      const ms = request.timeoutNano / 1e6;
      deadline = Date.now() + ms;
      if (ms <= 0) controller.abort(errDeadlineExceeded());
      else if (ms <= MAX_TIMER_MS)
        timer = setTimeout(() => controller.abort(errDeadlineExceeded()), Math.ceil(ms));
    }
    const ctx: CallContext = {
      service: request.service,
      method: request.method,
      streamId,
      metadata: metadataFromKeyValues(request.metadata),
      signal: controller.signal,
      ...(deadline === undefined ? {} : { deadline }),
    };
    void this.invoke(handler, request.payload, ctx).then((response) => {
      clearTimeout(timer);
      this.inFlight.delete(streamId);
      controller.abort(errCanceled());
      if (this.isClosed) return;
      this.send(streamId, response);
      this.endIfDrained();
    });
  }

  /** Never rejects: every outcome becomes an encoded Response. */
  private async invoke(handler: UnaryHandler, payload: Uint8Array, ctx: CallContext): Promise<Uint8Array> {
    let status: RpcStatus;
    try {
      const reply: unknown = await handler(payload, ctx);
      if (reply instanceof Uint8Array) return encodeResponse({ payload: reply });
      status = { code: Code.Unknown, message: 'ttrpc: marshal called with nil', details: [] };
    } catch (err) {
      status = statusOfThrown(err);
    }
    return encodeResponse({ status, payload: new Uint8Array(0) });
  }

  private sendStatus(streamId: number, code: number, message: string): void {
    this.send(
      streamId,
      encodeResponse({ status: { code, message, details: [] }, payload: new Uint8Array(0) }),
    );
  }

  // Go closes the whole connection on an oversize reply; answering status 8 on that call is friendlier.
  private send(streamId: number, response: Uint8Array): void {
    const data =
      response.length > MESSAGE_LENGTH_MAX
        ? encodeResponse({
            status: { code: Code.ResourceExhausted, message: oversizeMessage(response.length), details: [] },
            payload: new Uint8Array(0),
          })
        : response;
    if (this.isClosed || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(encodeFrame(streamId, MessageType.Response, 0, data));
  }

  private endIfDrained(): void {
    if (!this.draining || this.inFlight.size > 0 || this.isClosed) return;
    // end() flushes queued responses before the FIN; then nothing more is owed to the peer.
    this.socket.end(() => this.socket.destroy());
  }

  private abortAll(): void {
    for (const controller of this.inFlight.values())
      controller.abort(errCanceled('ttrpc: connection closed'));
  }
}
