// The ttrpc server: owns listeners and connections, knows services only through the registry.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { silentLogger, type LogFn } from './logger.ts';
import { ServerConnection } from './server-connection.ts';
import { ServiceRegistry, type ServiceMethods } from './services.ts';

export interface ServerOptions {
  /** Called for each accepted socket before anything is read; return false, or throw an Error that says why, to
   *  close it at once, writing nothing. */
  onConnection?: (socket: Socket) => boolean;
  /** Where the server reports what it cannot tell a peer (see the levels in server-connection.ts). */
  logger?: LogFn;
}

type ServerState = 'serving' | 'shutting-down' | 'closed';

export class Server {
  private readonly registry = new ServiceRegistry();
  private readonly listeners = new Set<NetServer>();
  private readonly listenersClosed: Promise<void>[] = [];
  private readonly connections = new Set<ServerConnection>();
  private readonly logger: LogFn;
  private state: ServerState = 'serving';

  constructor(private readonly options: ServerOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  register(service: string, methods: ServiceMethods): void {
    this.registry.register(service, methods);
  }

  /** Listens on a unix socket path (which must not exist yet). */
  async listen(path: string): Promise<NetServer> {
    const listener = createServer();
    this.serve(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(path, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** Serves connections of a listener made elsewhere, e.g. `net.createServer().listen({ fd: 3 })`. */
  serve(listener: NetServer): void {
    if (this.state !== 'serving') throw new Error('ttrpc: server closed');
    this.listeners.add(listener);
    listener.on('connection', (socket: Socket) => this.accept(socket));
    // Go logs a failed accept at error level (and retries it); nothing else would tell anyone
    listener.on('error', (err) => this.logger('error', 'ttrpc: failed accept', { error: err }));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, lets in-flight calls finish and send their responses, then closes every connection. */
  async shutdown(): Promise<void> {
    if (this.state === 'serving') this.state = 'shutting-down';
    this.closeListeners();
    for (const connection of this.connections) connection.closeWhenIdle();
    await this.settled();
  }

  /** Stops accepting and closes every connection now; running calls get no response. */
  async close(): Promise<void> {
    this.state = 'closed';
    this.closeListeners();
    for (const connection of this.connections) connection.destroy();
    await this.settled();
  }

  private accept(socket: Socket): void {
    if (this.state !== 'serving') {
      socket.destroy();
      return;
    }
    let refusal: unknown;
    try {
      if (this.options.onConnection?.(socket) === false) refusal = 'refused by the connection check';
    } catch (err) {
      refusal = err;
    }
    if (refusal !== undefined) {
      // Go's server logs a failed handshake (a peer with other credentials) at error level: a process that is
      // not containerd talking to the shim, which its operator should hear of
      this.logger('error', 'ttrpc: refusing connection after handshake', { error: refusal });
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, this.registry, this.logger);
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }

  private closeListeners(): void {
    for (const listener of this.listeners) {
      this.listenersClosed.push(
        // The callback runs once the listener's own sockets are gone (or at once, with an error, if it never listened).
        new Promise<void>((resolve) => listener.close(() => resolve())),
      );
    }
    this.listeners.clear();
  }

  private async settled(): Promise<void> {
    await Promise.all([...this.listenersClosed, ...[...this.connections].map((c) => c.closed)]);
  }
}
