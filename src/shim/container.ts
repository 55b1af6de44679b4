// A container in this shim: its bundle, rootfs mounts, runtime settings, init process and execs.
import { join } from 'node:path';
import type { CreateTaskRequest, RuncOptions } from '../api/types.ts';
import { Runc } from '../runc/index.ts';
import { errAlreadyExists, errNotFound } from '../errdefs/index.ts';
import { BundleFile, readBundleSpec, writeOptionsFiles } from './bundle-files.ts';
import type { IOContext, StdioConfig } from './io/index.ts';
import { mountRootfs } from './mount/mount.ts';
import { unmountAll } from './mount/unmount.ts';
import { runcBinary, runcRoot } from './options.ts';
import { ExecProcess } from './process/exec.ts';
import { InitProcess } from './process/init.ts';

export type AnyProcess = InitProcess | ExecProcess;

export interface ContainerContext {
  namespace: string;
  log: IOContext['log'];
}

export class Container {
  readonly execs = new Map<string, ExecProcess>();
  /** exec ids reserved by an Exec call that has not finished yet */
  private readonly reservedExecIds = new Set<string>();

  private constructor(
    readonly id: string,
    readonly bundle: string,
    readonly namespace: string,
    readonly runc: Runc,
    readonly init: InitProcess,
    private readonly mountedRootfs: boolean,
    private readonly context: ContainerContext,
    readonly options: RuncOptions,
  ) {}

  static runcFor(options: RuncOptions, namespace: string, bundle: string): Runc {
    return new Runc({
      binary: runcBinary(options),
      // each call starts in this container's own bundle, as runtimes expect; the daemon itself stays in /
      // (the first bundle of a group can be removed while the others live on)
      cwd: bundle,
      root: runcRoot(options, namespace),
      log: join(bundle, BundleFile.runcLog),
      logFormat: 'json',
      systemdCgroup: options.systemd_cgroup,
      criu: options.criu_path || undefined,
    });
  }

  static async create(
    req: CreateTaskRequest,
    options: RuncOptions,
    context: ContainerContext,
  ): Promise<Container> {
    const rootfs = join(req.bundle, 'rootfs');
    const mounted = req.rootfs.length > 0;
    if (mounted) mountRootfs(req.rootfs, rootfs);
    try {
      writeOptionsFiles(req.bundle, options);
      const runc = Container.runcFor(options, context.namespace, req.bundle);
      const init = await InitProcess.create({
        id: req.id,
        bundle: req.bundle,
        runc,
        stdio: { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal },
        ioContext: ioContext(req.id, options, context),
        noPivot: options.no_pivot_root,
        noNewKeyring: options.no_new_keyring,
        checkpoint: req.checkpoint || undefined,
        parentCheckpoint: req.parent_checkpoint || undefined,
        criuWorkPath: options.criu_work_path || undefined,
      });
      return new Container(req.id, req.bundle, context.namespace, runc, init, mounted, context, options);
    } catch (err) {
      if (mounted) unmountAll(rootfs);
      throw err;
    }
  }

  process(execId: string): AnyProcess {
    if (!execId) return this.init;
    const p = this.execs.get(execId);
    if (!p) throw errNotFound(`process does not exist ${execId}`);
    return p;
  }

  reserveExecId(execId: string): void {
    if (this.execs.has(execId) || this.reservedExecIds.has(execId)) throw errAlreadyExists(`id ${execId}`);
    this.reservedExecIds.add(execId);
  }

  releaseExecId(execId: string): void {
    this.reservedExecIds.delete(execId);
  }

  addExec(execId: string, spec: Record<string, unknown>, stdio: StdioConfig): ExecProcess {
    const exec = new ExecProcess({
      id: execId,
      containerId: this.id,
      bundle: this.bundle,
      runc: this.runc,
      spec,
      stdio,
      ioContext: ioContext(execId, this.options, this.context),
      initStatus: () => this.init.status(),
    });
    this.execs.set(execId, exec);
    return exec;
  }

  /** The Go shim kills every process of the container when the init exits, unless the container has its own
   *  pid namespace (then the kernel does it). */
  shouldKillAllOnExit(): boolean {
    try {
      const spec = readBundleSpec(this.bundle);
      return !(spec.linux?.namespaces ?? []).some((ns) => ns.type === 'pid' && !ns.path);
    } catch {
      return true;
    }
  }

  unmountRootfs(): void {
    if (this.mountedRootfs) unmountAll(join(this.bundle, 'rootfs'));
  }
}

function ioContext(id: string, options: RuncOptions, context: ContainerContext): IOContext {
  return {
    id,
    namespace: context.namespace,
    ioUid: options.io_uid,
    ioGid: options.io_gid,
    log: context.log,
    dropLinesWhenFull: process.env.TSSHIM_OUTPUT_DROP_LINES === '1',
  };
}
