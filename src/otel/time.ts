// Span timestamps as nanoseconds since the epoch (OTLP's fixed64), from a monotonic clock anchored at start.
import type { TimeInput } from '@opentelemetry/api';

export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function toNs(time: TimeInput | undefined): bigint {
  if (time === undefined) return nowNs();
  if (time instanceof Date) return BigInt(time.getTime()) * 1_000_000n;
  if (Array.isArray(time)) return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
  // A number below the year 2001 in epoch ms is a performance.now() reading (the API allows both).
  const ms = time < 1e12 ? performance.timeOrigin + time : time;
  return BigInt(Math.round(ms * 1000)) * 1000n;
}
