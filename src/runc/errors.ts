// A failed runtime invocation, worded the way the Go shim words it, plus the string classifications that the
// shim's Kill/Delete handling relies on (reference shim-protocol §5.4).

// Commands whose failures the Go shim reports as "OCI runtime <command> failed".
const OCI_RUNTIME_COMMANDS = new Set(['create', 'start', 'exec', 'pause', 'resume', 'checkpoint', 'restore']);

export function failurePrefix(command: string): string {
  return OCI_RUNTIME_COMMANDS.has(command) ? `OCI runtime ${command} failed` : `runc ${command} failed`;
}

export class RuncError extends Error {
  override readonly name = 'RuncError';
  /** the runc subcommand (`create`, `kill`, …) */
  readonly command: string;
  /** the runtime's exit code (128 + signal number when it was killed) */
  readonly exitCode: number;
  /** the runtime's own reason without our prefix, for callers that classify it */
  readonly runtimeMessage: string;

  constructor(command: string, exitCode: number, runtimeMessage: string) {
    super(`${failurePrefix(command)}: ${runtimeMessage}`);
    this.command = command;
    this.exitCode = exitCode;
    this.runtimeMessage = runtimeMessage;
  }
}

/** The reason shown to a person: the runtime's last logged error, else its stderr, else how it ended. */
export function runtimeReason(
  loggedError: string | undefined,
  stderr: string,
  exitCode: number,
  signal?: string,
): string {
  if (loggedError) return loggedError;
  const text = stderr.trim();
  if (text) return text;
  return signal ? `signal: ${signal}` : `exit status ${exitCode}`;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.toLowerCase();
  return typeof err === 'string' ? err.toLowerCase() : '';
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

const ALREADY_FINISHED = ['os: process already finished', 'container not running', 'no such process'];

/** Kill found nothing to signal: the shim answers NotFound `process already finished`. */
export function isProcessAlreadyFinished(err: unknown): boolean {
  if (errnoCode(err) === 'ESRCH') return true;
  const msg = messageOf(err);
  return ALREADY_FINISHED.some((s) => msg.includes(s));
}

/** The runtime has no such container: Kill answers NotFound `no such container`, Delete ignores it. */
export function isContainerNotExist(err: unknown): boolean {
  return messageOf(err).includes('does not exist');
}
