// One accepted connection: parses frames, applies Go's stream-id rules, runs each request
// concurrently and writes responses in completion order.
//
// Log levels follow Go's ttrpc server. A frame the peer got wrong (an even or reused stream id, a request that
// does not decode, a frame over the size limit, Data for a unary call, an unknown type) is answered with a
// status or ignored, and Go logs nothing for it: the peer learns from the status, and the shim's operator has
// nothing to act on. Those are logged at debug here, so they show with -debug and cost nothing otherwise. The
// peer going away, mid-frame or with a reset, is how Go ends a connection silently: debug too. What Go logs at
// error is what the shim itself failed to do: a read that failed otherwise, a response it could not send.
import type { Socket } from 'node:net';
import { Code, codeName } from './codes.ts';
import { MESSAGE_LENGTH_MAX, MessageType, oversizeMessage } from './constants.ts';
import { decodeRequest, encodeResponse, type RpcStatus, type TtrpcRequest } from './envelope.ts';
import { encodeFrame, FrameReader, type FrameEvent } from './frame.ts';
import type { LogFn } from './logger.ts';
import { metadataFromKeyValues } from './metadata.ts';
import type { CallContext, ServiceRegistry, UnaryHandler } from './services.ts';
import { contextCanceled, contextDeadlineExceeded, toStatus } from './status.ts';

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
    private readonly logger: LogFn,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall === 'read' && err.code === 'ECONNRESET')
        this.logger('debug', 'ttrpc: connection reset by peer', { error: err.message });
      else {
        const msg = err.syscall === 'write' ? 'failed sending message on channel' : 'error receiving message';
        this.logger('error', msg, { error: err });
      }
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
      this.logger('debug', 'ttrpc: EOF inside a frame', { buffered: this.reader.bufferedBytes });
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
      this.refuseFrame(streamId, Code.ResourceExhausted, oversizeMessage(length));
      return;
    }
    if (streamId % 2 !== 1) {
      this.refuseFrame(streamId, Code.InvalidArgument, 'StreamID must be odd for client initiated streams');
      return;
    }
    if (type === MessageType.Data) {
      // Go dereferences a nil handler and crashes on Data for an in-flight unary call; we only log it.
      if (this.inFlight.has(streamId))
        this.logger('debug', 'ttrpc: ignoring Data frame on a unary call', { streamId });
      else this.refuseFrame(streamId, Code.InvalidArgument, 'StreamID is no longer active');
      return;
    }
    if (type !== MessageType.Request) {
      this.logger('debug', 'ttrpc: ignoring frame of unknown type', { streamId, type });
      return;
    }
    if (streamId <= this.lastStreamId) {
      this.refuseFrame(streamId, Code.InvalidArgument, 'StreamID cannot be re-used and must increment');
      return;
    }
    this.lastStreamId = streamId;
    let request: TtrpcRequest;
    try {
      request = decodeRequest(event.data);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.refuseFrame(streamId, Code.InvalidArgument, `unmarshal request error: ${detail}`);
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
      if (ms <= 0) controller.abort(contextDeadlineExceeded());
      else if (ms <= MAX_TIMER_MS)
        timer = setTimeout(() => controller.abort(contextDeadlineExceeded()), Math.ceil(ms));
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
      controller.abort(contextCanceled());
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

  /** Answers a frame the peer got wrong with a status (see the log levels at the top). */
  private refuseFrame(streamId: number, code: number, message: string): void {
    this.logger('debug', `ttrpc: ${message}`, { streamId, code: codeName(code) });
    this.send(
      streamId,
      encodeResponse({ status: { code, message, details: [] }, payload: new Uint8Array(0) }),
    );
  }

  // Go closes the whole connection on an oversize reply; answering status 8 on that call is friendlier. Go logs
  // the failed send at error level: a response the shim made and could not deliver.
  private send(streamId: number, response: Uint8Array): void {
    const oversize = response.length > MESSAGE_LENGTH_MAX;
    if (oversize)
      this.logger('error', 'failed sending message on channel', {
        streamId,
        error: oversizeMessage(response.length),
      });
    const data = oversize
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
      controller.abort(contextCanceled('ttrpc: connection closed'));
  }
}
