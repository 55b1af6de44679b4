// A `start` the start client (src/native/start-client.c) brings to the spare: containerd ran the launcher, which
// booted no Node.js; the spare does the whole of `start` in its own process and, when the sandbox is new, adopts
// it. The messages are NUL-separated fields so that a small C program can write and read them:
//   request: "tsshim-start 1", cwd, parent pid, argument count, the arguments, then "KEY=value" environment
//            entries; the client's stdin beside it (SCM_RIGHTS)
//   reply:   "tsshim-start-done 1", exit status, stdout length, stderr length, whether to boot the next spare
//            (1 or 0); then the stdout and stderr bytes
import { FlagError, parseFlags, type ShimFlags } from '../flags.ts';
import { RUNTIME_NAME } from '../version.ts';

const REQUEST_TAG = 'tsshim-start 1';
const REPLY_TAG = 'tsshim-start-done 1';

export interface StartRequestMessage {
  /** the client's working directory: the bundle containerd ran `start` in */
  cwd: string;
  /** the client's parent: containerd */
  parentPid: number;
  argv: string[];
  env: Record<string, string>;
}

export interface StartReply {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  /** the client boots the next spare (with the daemon command line it boots a daemon for one start with) */
  bootNextSpare: boolean;
}

export function isStartRequest(data: Uint8Array): boolean {
  const tag = Buffer.from(`${REQUEST_TAG}\0`);
  return data.length >= tag.length && Buffer.from(data.buffer, data.byteOffset, tag.length).equals(tag);
}

/** A request as the spare receives it, or undefined for anything malformed. */
export function decodeStartRequest(data: Uint8Array): StartRequestMessage | undefined {
  const text = Buffer.from(data).toString('utf8');
  if (!text.endsWith('\0')) return undefined;
  const fields = text.slice(0, -1).split('\0');
  const [tag, cwd, ppid, argc, ...rest] = fields;
  if (tag !== REQUEST_TAG || !cwd?.startsWith('/')) return undefined;
  const parentPid = Number(ppid);
  const count = Number(argc);
  if (!Number.isSafeInteger(parentPid) || parentPid < 0 || !Number.isSafeInteger(count) || count < 0)
    return undefined;
  if (count > rest.length) return undefined;
  const env: Record<string, string> = {};
  for (const entry of rest.slice(count)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue; // as execve allows, but nothing a shell would export
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { cwd, parentPid, argv: rest.slice(0, count), env };
}

export function encodeStartReply(reply: StartReply): Buffer {
  const stderr = Buffer.from(reply.stderr, 'utf8');
  const header = [
    REPLY_TAG,
    String(reply.code),
    String(reply.stdout.length),
    String(stderr.length),
    reply.bootNextSpare ? '1' : '0',
  ];
  return Buffer.concat([Buffer.from(`${header.join('\0')}\0`, 'utf8'), reply.stdout, stderr]);
}

/** The flags of a start request, or the reply the Node `start` would have given for bad ones. */
export function startFlags(argv: readonly string[]): ShimFlags | StartReply {
  const none = { stdout: new Uint8Array(), bootNextSpare: false };
  let flags: ShimFlags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) return { ...none, code: 2, stderr: `${err.message}\n` };
    throw err;
  }
  if (flags.action !== 'start' || flags.version || flags.info)
    return { ...none, code: 1, stderr: `${RUNTIME_NAME}: not a start request` };
  return flags;
}

/** The reply for a start that failed, worded as the Node `start` words its failures. */
export function failedStart(err: unknown): StartReply {
  const message = err instanceof Error ? err.message : String(err);
  return { code: 1, stdout: new Uint8Array(), stderr: `${RUNTIME_NAME}: ${message}`, bootNextSpare: false };
}
