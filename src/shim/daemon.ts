// The long-running shim: serves the Task API on the listener `start` handed over as fd 3, reaps children,
// forwards events, and exits once containerd has deleted every container and asked it to shut down.
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { TaskServices } from '../api/types.ts';
import { native } from '../native/index.ts';
import { setupTracing } from '../otel/setup.ts';
import { captureExits, onExit, startReaping } from '../spawn/exits.ts';
import { runner } from '../spawn/index.ts';
import { Server, type ServiceMethods, type UnaryHandler } from '../ttrpc/index.ts';
import { socketPath } from '../contract/shim-address.ts';
import { shimSocketAddress } from './socket-address.ts';
import { BundleFile } from './bundle-files.ts';
import { loadedBundles } from './boot/bundle-loader.ts';
import { handleFd } from './boot/handle-fd.ts';
import { installCrashHandler } from './crash/handler.ts';
import { collectDump, logDump, type DumpSources } from './debug/dump.ts';
import { DEBUG_SERVICE, debugMethods } from './debug/service.ts';
import { Publisher, TtrpcForwarder } from './events/publisher.ts';
import type { ShimFlags } from './flags.ts';
import { createLogger, openLogFifo } from './logger.ts';
import { taskMethods } from './service/handlers.ts';
import { instrumentService } from './service/instrument.ts';
import { TaskService } from './service/task-service.ts';
import { busyGrowthBytes, IdleMemoryReducer, type MemoryControls } from './boot/idle-memory.ts';

const LISTENER_FD = 3;
const SHUTDOWN_GRACE_MS = 2_000;
const NO_CONTAINERS_LEFT = 'no containers left';
const EVENT_DRAIN_MS = 3_000;
const TRACE_FLUSH_MS = 3_000;

/** ttrpc's UnixSocketRequireSameUser: only a peer with our effective uid and gid may talk to us; the server logs
 *  the refusal with the reason thrown. */
function sameUser(): (socket: net.Socket) => boolean {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  return (socket) => {
    const fd = handleFd(socket);
    if (fd === undefined) throw new Error('ttrpc: no socket fd to read the peer credentials from');
    const peer = native().peerCredentials(fd);
    if (peer.uid === uid && peer.gid === gid) return true;
    throw new Error(
      `ttrpc: invalid credentials: peer uid ${peer.uid} gid ${peer.gid}, want uid ${uid} gid ${gid}`,
    );
  };
}

function addressFileSocket(bundle: string): string | undefined {
  try {
    return socketPath(readFileSync(join(bundle, BundleFile.address), 'utf8').trim());
  } catch {
    return undefined; // no address file (the shim was started without `start`)
  }
}

/** Where this shim listens, for removal at shutdown, from the address file read at boot (start writes it before
 *  it launches the daemon; a grouped shim may outlive that first bundle) and -socket; computed only when neither
 *  said. */
function ownSocketPaths(flags: ShimFlags, fromAddressFile: string | undefined): string[] {
  const paths = new Set<string>();
  for (const p of [fromAddressFile, flags.socket]) if (p) paths.add(p);
  if (paths.size === 0 && flags.address && flags.namespace)
    paths.add(socketPath(shimSocketAddress(flags.address, flags.namespace, flags.id)));
  return [...paths];
}

/** Every request leaves garbage behind (an exec probe most of all); the shim gives memory back once it is quiet. */
function reduceWhenIdle(methods: ServiceMethods, idle: IdleMemoryReducer): ServiceMethods {
  const out: Record<string, UnaryHandler> = {};
  for (const [name, method] of Object.entries(methods)) {
    out[name] = async (payload, ctx) => {
      try {
        return await method(payload, ctx);
      } finally {
        idle.touch();
      }
    };
  }
  return out;
}

/** TSSHIM_IDLE_REDUCE=0 turns the idle reduction off (to measure it, or if its few ms of CPU matter more) */
function memoryControls(env: NodeJS.ProcessEnv): MemoryControls | undefined {
  if (env.TSSHIM_IDLE_REDUCE === '0') return undefined;
  return {
    // asked at every request: not process.memoryUsage(), which reads /proc/self for the resident set each time,
    // nor node:v8, which the daemon would load (and compile) for this alone
    committedBytes: () => native().heapCommittedBytes(),
    reduce: () => void native().reduceMemory(),
  };
}

export * as spare from './spare/spare.ts';

/** what a daemon serves: its first bundle and the listening socket `start` made (fd 3 of a booted daemon, the
 *  fd a spare received) */
export interface DaemonBoot {
  bundle: string;
  listenerFd: number;
  /** a spare that adopted its sandbox: how it came (logged, for operators and tests) */
  adoptedVia?: string;
}

export async function runDaemon(
  flags: ShimFlags,
  boot: DaemonBoot = { bundle: process.cwd(), listenerFd: LISTENER_FD },
): Promise<void> {
  const bundle = boot.bundle;
  // This first bundle is removed when its container is deleted while a grouped container lives on; spawning
  // (execa defaults cwd to the cached process.cwd()) would then fail with ENOENT for every runc call.
  process.chdir('/');
  const started = Date.now();
  const socketAtBoot = addressFileSocket(bundle);
  const logFd = openLogFifo(join(bundle, BundleFile.shimLog));
  // uncaught errors and Node's own warnings land in containerd's log too
  if (logFd !== undefined) native().dup2(logFd, 2);
  const logger = createLogger(logFd ?? 2, flags.debug, { namespace: flags.namespace, path: bundle });
  const log = logger.log;
  const tracing = await setupTracing(process.env, log);

  startReaping();
  const exits = { onExit, captureExits };
  const publisher = new Publisher(flags.namespace, new TtrpcForwarder(process.env.TTRPC_ADDRESS ?? ''), log);
  let shuttingDown = false;
  const server = new Server({ onConnection: sameUser(), logger: log });

  const shutdown = async (reason: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    // containerd's Shutdown once the last container is deleted is every shim's end: quiet at containerd's
    // default level, as the Go shim is; a signal is worth a line
    log(reason === NO_CONTAINERS_LEFT ? 'debug' : 'info', 'shim shutting down', { reason });
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
    await server.close();
    await publisher.close(EVENT_DRAIN_MS);
    for (const p of ownSocketPaths(flags, socketAtBoot)) rmSync(p, { force: true });
    await Promise.race([tracing.shutdown(), new Promise((r) => setTimeout(r, TRACE_FLUSH_MS))]);
    logger.flush();
    setTimeout(() => process.exit(0), 20).unref();
  };

  const service = new TaskService({
    namespace: flags.namespace,
    publisher,
    exits,
    log,
    logFor: (id) => logger.child({ id }).log,
    requestShutdown: () => setImmediate(() => void shutdown(NO_CONTAINERS_LEFT)),
  });
  const idle = new IdleMemoryReducer(
    memoryControls(process.env),
    (r) =>
      log('debug', r.reason === 'idle' ? 'memory reduced while idle' : 'memory reduced while busy', {
        heapKiB: Math.round(r.beforeBytes / 1024),
        afterKiB: Math.round(r.afterBytes / 1024),
        ms: Math.round(r.ms * 10) / 10,
      }),
    busyGrowthBytes(process.env),
  );
  const methods = reduceWhenIdle(taskMethods(service), idle);
  server.register(TaskServices.v2, instrumentService(TaskServices.v2, methods, log));
  server.register(TaskServices.v3, instrumentService(TaskServices.v3, methods, log));
  const dumpSources = (): DumpSources => ({
    id: flags.id,
    namespace: flags.namespace,
    startedAt: started,
    tracing: tracing.enabled,
    containers: service.containers,
    publisher,
  });
  server.register(DEBUG_SERVICE, instrumentService(DEBUG_SERVICE, debugMethods(dumpSources, log), log));

  const listener = net.createServer();
  server.serve(listener);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    if (flags.socket) listener.listen(flags.socket, resolve);
    else listener.listen({ fd: boot.listenerFd }, resolve);
  });

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGPIPE', () => undefined);
  process.on('SIGUSR1', () => logDump(log, collectDump(dumpSources())));
  installCrashHandler({ log, dump: () => collectDump(dumpSources()), flush: () => logger.flush() });
  log('debug', 'shim serving', {
    id: flags.id,
    bootMs: Math.round(process.uptime() * 1000),
    codeCache: loadedBundles().daemon ?? false,
    runner,
    adoptedVia: boot.adoptedVia ?? 'booted by start',
  });
}
