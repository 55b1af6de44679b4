// Everything one process's IO holds, released in one place whatever state it reached.
import { closeSync } from 'node:fs';
import { rm } from '../../fs/callback-promises.ts';
import { native } from '../../native/index.ts';
import { closeConsoleSocket, type ConsoleSocket } from './console.ts';
import type { OutputCopy } from './copy.ts';
import type { LoggingBinary } from './binary-logger.ts';
import { FdSet } from './pipes.ts';
import type { LogFn } from './types.ts';

export class IOResources {
  readonly fds = new FdSet();
  readonly outputs: OutputCopy[] = [];
  readonly inputs: { stop(): void }[] = [];
  consoleSocket: ConsoleSocket | undefined;
  consoleFd: number | undefined;
  logger: LoggingBinary | undefined;
  stdinCloser: number | undefined;
  stdinClosed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly log: LogFn) {}

  closeStdin(): void {
    this.stdinClosed = true;
    if (this.stdinCloser === undefined) return;
    const fd = this.stdinCloser;
    this.stdinCloser = undefined;
    closeSync(fd);
  }

  resize(cols: number, rows: number): void {
    if (this.consoleFd !== undefined) native().setWinsize(this.consoleFd, cols, rows);
  }

  async outputDone(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.outputs.map((o) => o.done)), timeout]);
    if (timer) clearTimeout(timer);
  }

  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    for (const input of this.inputs) input.stop();
    for (const output of this.outputs) output.stop();
    try {
      this.closeStdin();
    } catch (err) {
      this.log('debug', 'closing stdin writer failed', { error: (err as Error).message });
    }
    if (this.consoleSocket) {
      closeConsoleSocket(this.consoleSocket);
      await rm(this.consoleSocket.dir, { recursive: true, force: true });
      this.consoleSocket = undefined;
    }
    if (this.consoleFd !== undefined) {
      this.fds.close(this.consoleFd);
      this.consoleFd = undefined;
    }
    this.fds.closeAll();
    if (this.logger) await this.logger.stop();
  }
}
