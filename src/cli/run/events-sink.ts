// The events endpoint containerd would serve: records every Forward the shim makes.
import { decode } from '../../api/codec.ts';
import { hasMessageType } from '../../api/codec.ts';
import { fromTimestamp, type Timestamp } from '../../api/timestamp.ts';
import type { AnyMessage } from '../../api/any.ts';
import { TypeNames } from '../../api/types.ts';
import { Server } from '../../ttrpc/index.ts';

export interface ReceivedEvent {
  topic: string;
  namespace: string;
  timestamp: Date | undefined;
  typeUrl: string;
  event: Record<string, unknown>;
}

interface ForwardRequest {
  envelope: {
    timestamp: Timestamp | null;
    namespace: string;
    topic: string;
    event: AnyMessage | null;
  } | null;
}

export class EventsSink {
  readonly events: ReceivedEvent[] = [];
  private readonly server = new Server();
  private readonly listeners = new Set<(e: ReceivedEvent) => void>();

  constructor() {
    this.server.register('containerd.services.events.ttrpc.v1.Events', {
      Forward: (payload) => {
        const req = decode<ForwardRequest>(TypeNames.forwardRequest, payload);
        const env = req.envelope;
        const any = env?.event;
        const typeUrl = any?.type_url ?? '';
        const event =
          any && hasMessageType(typeUrl) ? decode<Record<string, unknown>>(typeUrl, any.value) : {};
        const received = {
          topic: env?.topic ?? '',
          namespace: env?.namespace ?? '',
          timestamp: fromTimestamp(env?.timestamp),
          typeUrl,
          event,
        };
        this.events.push(received);
        for (const l of this.listeners) l(received);
        return new Uint8Array();
      },
    });
  }

  listen(path: string): Promise<unknown> {
    return this.server.listen(path);
  }

  onEvent(listener: (e: ReceivedEvent) => void): void {
    this.listeners.add(listener);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
