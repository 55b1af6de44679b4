import type { LogFn } from '../../log/log-fn.ts';

export type { LogFn, LogLevel } from '../../log/log-fn.ts';

/** the stdio fields of a Create or Exec request */
export interface StdioConfig {
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
}

export interface IOContext {
  /** container or exec id, given to logging binaries as CONTAINER_ID */
  id: string;
  namespace: string;
  /** owner of the pipe ends handed to the container */
  ioUid: number;
  ioGid: number;
  /** where the console socket's directory is made (default $XDG_RUNTIME_DIR or os.tmpdir()) */
  tmpDir?: string;
  log: LogFn;
  /** TSSHIM_OUTPUT_DROP_LINES=1: a FIFO reader that does not take output makes the shim drop whole lines
   *  (counted in the log) instead of making the container wait */
  dropLinesWhenFull?: boolean;
}

export interface RuncIo {
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

export interface ProcessIO {
  /** fds to hand to runc as its stdio (undefined = none/null IO) */
  readonly runcIo: RuncIo;
  /** path for runc --console-socket when terminal */
  readonly consoleSocket?: string;
  /** called after runc create / runc exec returned successfully: closes the shim's copies of the child's pipe
   *  ends, opens containerd's FIFOs (or file, or uses the logging binary), receives the console fd, starts copying */
  start(): Promise<void>;
  /** CloseIO: close the shim's writer handle on the stdin FIFO so the container sees EOF once the client's
   *  writer closes */
  closeStdin(): void;
  /** TIOCSWINSZ on the console; no-op without one */
  resize(cols: number, rows: number): void;
  /** resolves when every byte of stdout/stderr has been written to its reader (pipe EOF reached and flushed)
   *  or after timeoutMs */
  outputDone(timeoutMs: number): Promise<void>;
  /** release everything: pipes, FIFO handles, console, logger (SIGTERM, 12 s, SIGKILL) — idempotent */
  close(): Promise<void>;
}
