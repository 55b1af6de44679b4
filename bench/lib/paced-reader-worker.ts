// The reading loop of paced-reader.ts, in a worker thread: read(2) on one thread with no trip through libuv's
// threadpool per read, so the reader costs about what `cat` does and the bench's main thread stays free to
// sample the shim.
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReaderJob, ReaderMessage } from './paced-reader.ts';
import { TokenBucket } from './token-bucket.ts';

const READ_BUFFER = 1 << 20;
/** a paced reader waits until it may take this much: a pipe's default capacity, so reads are not tiny */
const PACED_READ = 64 * 1024;
/** how far a paced reader may catch up after the bench itself stalled (a busy machine) */
const CATCH_UP_S = 0.2;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function post(message: ReaderMessage): void {
  parentPort!.postMessage(message);
}

function run({ fd, expected, rate }: ReaderJob): void {
  const buf = Buffer.allocUnsafe(READ_BUFFER);
  // The clock starts at the first byte, with an empty bucket: neither the container's start-up nor an
  // initial burst counts in the rate.
  let total = readSync(fd, buf, 0, 1, null);
  if (total === 0) {
    post({ kind: 'end', total });
    return;
  }
  const firstByteAt = performance.now();
  post({ kind: 'first' });
  const bucket =
    rate === undefined
      ? undefined
      : new TokenBucket(rate, Math.max(PACED_READ, rate * CATCH_UP_S), firstByteAt);
  let allRead = false;
  for (;;) {
    if (!allRead && total >= expected) {
      allRead = true;
      post({ kind: 'all', bytesPerSecond: (total - 1) / ((performance.now() - firstByteAt) / 1000) });
    }
    let length = buf.length;
    if (bucket && !allRead) {
      // the last bytes may be fewer than a full read
      const wait = bucket.waitMs(Math.min(PACED_READ, expected - total));
      if (wait > 0) {
        Atomics.wait(sleeper, 0, 0, wait);
        continue;
      }
      length = Math.min(length, Math.floor(bucket.available()));
    }
    const n = readSync(fd, buf, 0, length, null);
    if (n === 0) break;
    total += n;
    bucket?.take(n);
  }
  post({ kind: 'end', total });
}

run(workerData as ReaderJob);
