// CPU time a process has used, as the kernel accounts it: utime + stime of every thread of the process, the
// ones that exited included (/proc/<pid>/stat of the thread-group leader).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0)
    throw new Error(`getconf CLK_TCK: ${ticksPerSecond}`);
  return ticksPerSecond;
}

/** utime + stime in ms (the kernel counts in clock ticks: 10 ms at CLK_TCK 100) */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`/proc/${pid}/stat: no utime/stime`);
  return (ticks * 1000) / clockTicks();
}
