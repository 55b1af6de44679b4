// Buffers ended spans and exports them in batches: on a timer, when a batch is full, and on shutdown.
// Exports run one at a time; a full queue drops new spans rather than growing without bound.
import type { BatchConfig } from './config.ts';
import type { OtelLog } from './log.ts';
import type { FinishedSpan, SpanSink } from './span.ts';

export interface SpanExporter {
  export(spans: FinishedSpan[]): Promise<void>;
}

export class BatchSpanProcessor implements SpanSink {
  private queue: FinishedSpan[] = [];
  private exporting: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  dropped = 0;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly config: BatchConfig,
    private readonly log: OtelLog,
  ) {
    // unref: a pending export must never be what keeps the shim alive
    this.timer = setInterval(() => void this.flush(), config.scheduleDelayMs).unref();
  }

  onEnd(span: FinishedSpan): void {
    if (this.closed) return;
    if (this.queue.length >= this.config.maxQueueSize) {
      this.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.config.maxExportBatchSize) void this.flush();
  }

  /** Exports everything queued so far. */
  flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.config.maxExportBatchSize);
      this.exporting = this.exporting.then(() => this.exportBatch(batch));
    }
    return this.exporting;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }

  private async exportBatch(batch: FinishedSpan[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('export timed out')), this.config.exportTimeoutMs);
    });
    try {
      await Promise.race([this.exporter.export(batch), timeout]);
    } catch (err) {
      this.log('warn', 'failed to export spans', { spans: batch.length, error: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
