// The ttrpc client: many concurrent unary calls over one connection, matched by stream id.
import { createConnection, type Socket } from 'node:net';
import { MESSAGE_LENGTH_MAX, MessageType, oversizeMessage } from './constants.ts';
import { Code } from './codes.ts';
import { decodeResponse, encodeRequest, type TtrpcResponse } from './envelope.ts';
import { encodeFrame, FrameReader, type FrameEvent } from './frame.ts';
import { silentLogger, type LogFn } from './logger.ts';
import { metadataToKeyValues, type MetadataInit } from './metadata.ts';
import { contextDeadlineExceeded, TtrpcClosedError, TtrpcError, TtrpcProtocolError } from './status.ts';

export interface ClientOptions {
  /** Runs once when the connection is lost or closed; containerd uses this to notice a dead shim. */
  onClose?: () => void;
  logger?: LogFn;
}

export interface CallOptions {
  /** Sent as timeout_nano; the call also fails locally with a DeadlineExceeded error when it passes. */
  timeoutMs?: number;
  metadata?: MetadataInit;
  /** Stops waiting (nothing is sent to the server, as in Go) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface PendingCall {
  resolve(payload: Uint8Array): void;
  reject(err: unknown): void;
}

export class Client {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, PendingCall>();
  private readonly logger: LogFn;
  private nextStreamId = 1;
  private closedError: TtrpcClosedError | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ClientOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) this.onFrame(event);
    });
    socket.on('end', () => this.shutdown());
    socket.on('error', (err) => this.shutdown(err));
    socket.on('close', () => this.shutdown());
  }

  static async connect(path: string, options: ClientOptions = {}): Promise<Client> {
    const socket = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new Client(socket, options);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  call(service: string, method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      return Promise.reject(
        contextDeadlineExceeded(`ttrpc: ${service}/${method}: timeout ${timeoutMs}ms already passed`),
      );
    }
    // Allocated before the size check, as Go does: a refused call leaves a gap in the ids.
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const data = encodeRequest({
      service,
      method,
      payload,
      timeoutNano: timeoutMs === undefined ? 0 : Math.round(timeoutMs * 1e6),
      metadata: options.metadata === undefined ? [] : metadataToKeyValues(options.metadata),
    });
    if (data.length > MESSAGE_LENGTH_MAX) {
      return Promise.reject(new TtrpcError(Code.ResourceExhausted, oversizeMessage(data.length)));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => settle(() => reject(signal?.reason));
      const settle = (finish: () => void): void => {
        if (this.pending.get(streamId) !== call) return;
        this.pending.delete(streamId);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const call: PendingCall = {
        resolve: (reply) => settle(() => resolve(reply)),
        reject: (err) => settle(() => reject(err)),
      };
      this.pending.set(streamId, call);
      if (timeoutMs !== undefined) {
        const expired = contextDeadlineExceeded(
          `ttrpc: ${service}/${method}: no reply within ${timeoutMs}ms`,
        );
        timer = setTimeout(() => call.reject(expired), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.write(encodeFrame(streamId, MessageType.Request, 0, data));
    });
  }

  /** Closes the connection; pending and later calls fail with `ttrpc: closed`. */
  close(): void {
    this.shutdown();
    this.socket.destroy();
  }

  private onFrame(event: FrameEvent): void {
    const { streamId, type, length } = event.header;
    const call = this.pending.get(streamId);
    if (call === undefined) {
      this.logger('debug', 'ttrpc: received message on inactive stream', { streamId, type });
      return;
    }
    if (event.kind === 'oversize') {
      call.reject(new TtrpcError(Code.ResourceExhausted, oversizeMessage(length)));
      return;
    }
    if (type === MessageType.Data) {
      call.reject(new TtrpcProtocolError('unexpected "data" message received: protocol error'));
      return;
    }
    if (type !== MessageType.Response) {
      call.reject(new TtrpcProtocolError(`unexpected message type ${type} received: protocol error`));
      return;
    }
    let response: TtrpcResponse;
    try {
      response = decodeResponse(event.data);
    } catch (err) {
      call.reject(err);
      return;
    }
    // A status with code 0 counts as success, as in Go.
    const { status } = response;
    if (status !== undefined && status.code !== Code.OK)
      call.reject(new TtrpcError(status.code, status.message, { details: status.details }));
    else call.resolve(response.payload);
  }

  private shutdown(cause?: unknown): void {
    if (this.closedError !== undefined) return;
    const error = new TtrpcClosedError(cause === undefined ? {} : { cause });
    this.closedError = error;
    for (const call of [...this.pending.values()]) call.reject(error);
    this.socket.destroy();
    try {
      this.options.onClose?.();
    } catch (err) {
      this.logger('warn', 'ttrpc: onClose callback failed', { err });
    }
  }
}
