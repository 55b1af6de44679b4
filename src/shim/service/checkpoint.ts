// Checkpoint: CheckpointOptions turned into `runc checkpoint` flags (CRIU does the work).
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isEmptyAny, unpackAny } from '../../api/any.ts';
import { TypeNames, type CheckpointOptions, type CheckpointTaskRequest } from '../../api/types.ts';
import { errInvalidArgument } from '../../errdefs/index.ts';
import type { CheckpointOpts } from '../../runc/index.ts';
import type { Container } from '../container.ts';

export function checkpointOptions(req: CheckpointTaskRequest): Partial<CheckpointOptions> {
  if (!req.options || isEmptyAny(req.options)) return {};
  try {
    return unpackAny<CheckpointOptions>(req.options, TypeNames.checkpointOptions);
  } catch (err) {
    throw errInvalidArgument(`invalid checkpoint options: ${(err as Error).message}`);
  }
}

export function runcCheckpointOpts(bundle: string, req: CheckpointTaskRequest): CheckpointOpts {
  const o = checkpointOptions(req);
  return {
    imagePath: req.path,
    workPath: o.work_path || join(bundle, 'work', 'criu-work'),
    parentPath: o.parent_path || undefined,
    tcpEstablished: o.open_tcp,
    extUnixSockets: o.external_unix_sockets,
    shellJob: o.terminal,
    fileLocks: o.file_locks,
    emptyNamespaces: o.empty_namespaces ?? [],
    leaveRunning: !o.exit,
  };
}

export async function checkpointContainer(c: Container, req: CheckpointTaskRequest): Promise<void> {
  const opts = runcCheckpointOpts(c.bundle, req);
  const defaultWork = !checkpointOptions(req).work_path;
  try {
    await c.runc.checkpoint(c.id, opts);
  } catch (err) {
    const dumpLog = join(opts.workPath!, 'dump.log');
    const saved = join(c.bundle, 'criu-dump.log');
    if (existsSync(dumpLog)) copyFileSync(dumpLog, saved);
    const first = (err as Error).message.split('\n')[0];
    throw new Error(`${first} path= ${saved}`, { cause: err });
  } finally {
    if (defaultWork) rmSync(opts.workPath!, { recursive: true, force: true });
  }
}
