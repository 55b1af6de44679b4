// The spare's side of a start client's request: the whole of `start`, in the spare's own process. A new sandbox
// is adopted (this process becomes its daemon, placed as `start` places one); a sandbox whose shim already runs
// gets that shim's address and the spare stays a spare; a failure leaves nothing claimed and the spare as it was.
import { closeQuietly } from '../../fs/close-quietly.ts';
import { claimSandbox } from '../actions/start.ts';
import { readStdin } from '../stdin.ts';
import { sparesEnabled } from './handover.ts';
import { handoverOf } from './protocol.ts';
import type { Adoption } from './spare.ts';
import { failedStart, startFlags, type StartReply, type StartRequestMessage } from './start-request.ts';

export interface ServedStart {
  reply: StartReply;
  /** present when this process now serves the sandbox */
  adoption?: Adoption;
  /** undoes the adoption when the client cannot be told (its `start` failed, so containerd will not come) */
  abandon?: () => void;
}

export async function serveStart(
  request: StartRequestMessage,
  stdinFd: number,
  containerdAddress: string,
  scriptPath: string,
): Promise<ServedStart> {
  let stdin: Uint8Array;
  try {
    stdin = readStdin('start', stdinFd);
  } catch (err) {
    return { reply: failedStart(err) };
  } finally {
    if (stdinFd >= 0) closeQuietly(stdinFd);
  }
  const flags = startFlags(request.argv);
  if ('code' in flags) return { reply: flags };
  if (flags.address !== containerdAddress)
    return {
      reply: failedStart(new Error(`the spare for ${containerdAddress} got a start for ${flags.address}`)),
    };
  try {
    const claim = await claimSandbox(
      { flags, bundle: request.cwd, env: request.env, stdin, containerdPid: request.parentPid },
      scriptPath,
    );
    if (claim.reused) return { reply: { code: 0, stdout: claim.answer, stderr: '', bootNextSpare: false } };
    try {
      claim.place(process.pid);
    } catch (err) {
      claim.release();
      throw err;
    }
    return {
      reply: {
        code: 0,
        stdout: claim.answer,
        stderr: '',
        bootNextSpare: sparesEnabled(request.env),
      },
      adoption: {
        handover: handoverOf(flags, request.cwd, claim.daemonEnv, claim.title),
        listenerFd: claim.listenerFd,
        via: 'start client',
      },
      abandon: claim.release,
    };
  } catch (err) {
    return { reply: failedStart(err) };
  }
}
