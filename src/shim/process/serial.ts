// One state transition at a time per process: the Go shim holds the process's mutex across each call, so a
// second concurrent Start (or Delete, Pause…) waits and then sees the new state instead of racing runc.

export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every call queued before it has settled; its result is passed through. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
