// `tsshim shim exec`: an extra process in a running container, wired to our stdio through FIFOs the way
// containerd's cio does it; the spec is the container's own process with the args (and terminal) replaced.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociTypeUrls } from '../../api/any.ts';
import { TypeNames, type WaitResponse } from '../../api/types.ts';
import { attachClientStdio, ended, relayTerminal } from '../run/client-io.ts';
import type { ShimClient } from './client.ts';
import { state } from './commands.ts';

export interface ExecSpec {
  execId: string;
  tty: boolean;
  command: string[];
}

function processSpec(bundle: string, exec: ExecSpec): object {
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
    process?: Record<string, unknown>;
  };
  return { ...(spec.process ?? {}), args: exec.command, terminal: exec.tty };
}

/** Runs the exec to completion and returns its exit status. */
export async function execCommand(shim: ShimClient, id: string, exec: ExecSpec): Promise<number> {
  const T = TypeNames;
  const ref = { id, exec_id: exec.execId };
  const init = await state(shim, id, '');
  const spec = processSpec(init.bundle, exec);
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-exec-'));
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const stdio = await attachClientStdio(dir, exec.execId, exec.tty);
    const { fifos, outputs, stdin } = stdio;
    cleanups.push(() => stdio.close());

    await shim.task('Exec', T.execProcessRequest, {
      ...ref,
      terminal: exec.tty,
      ...fifos,
      spec: { type_url: ociTypeUrls.process, value: Buffer.from(JSON.stringify(spec)) },
    });
    const waiting = shim.task<WaitResponse>('Wait', T.waitRequest, ref, T.waitResponse, 0);
    try {
      await shim.task('Start', T.startRequest, ref, T.startResponse);
    } catch (err) {
      await shim.task('Delete', T.deleteRequest, ref).catch(() => undefined);
      throw err;
    }

    cleanups.push(
      relayTerminal(stdin, exec.tty, {
        closeStdin: () => shim.task('CloseIO', T.closeIORequest, { ...ref, stdin: true }),
        resize: (width, height) => shim.task('ResizePty', T.resizePtyRequest, { ...ref, width, height }),
      }),
    );

    const exit = await waiting;
    await Promise.all(outputs.map((s) => ended(s, 2_000)));
    await shim.task('Delete', T.deleteRequest, ref);
    return exit.exit_status;
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        /* keep cleaning */
      }
    }
  }
}
