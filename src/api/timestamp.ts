// Every timestamp the shim returns is populated: a process that has not exited reports Go's zero time
// (0001-01-01T00:00:00Z), because a missing field reads as 1970-01-01 on the daemon side.
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export const GO_ZERO_TIME_SECONDS = -62135596800;

export const goZeroTime: Readonly<Timestamp> = Object.freeze({ seconds: GO_ZERO_TIME_SECONDS, nanos: 0 });

export function toTimestamp(date: Date | undefined | null): Timestamp {
  if (!date) return { ...goZeroTime };
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function fromTimestamp(ts: Timestamp | null | undefined): Date | undefined {
  if (!ts || ts.seconds === GO_ZERO_TIME_SECONDS) return undefined;
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000));
}

export function isGoZeroTime(ts: Timestamp | null | undefined): boolean {
  return !!ts && ts.seconds === GO_ZERO_TIME_SECONDS && ts.nanos === 0;
}
