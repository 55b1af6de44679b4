// A runc stand-in for containers that cannot really be checkpointed here (CRIU cannot dump on this kernel):
// it records every argv, fails `checkpoint` and `restore` the way runc does when CRIU fails (an error line in
// the --log file, CRIU's dump.log in the work dir, exit 1), and hands everything else to the real runc.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CRIU_ERROR = 'criu failed: type NOTIFY errno 0';
export const DUMP_LOG_TEXT = 'Error (criu/cr-dump.c:1234): Dumping FAILED.';
const REAL_RUNC = '/usr/sbin/runc';

export interface RuncRecorder {
  dir: string;
  /** the wrapper script: give it as runc Options.binary_name */
  binary: string;
  /** every invocation so far, argv without the program name */
  calls(): string[][];
  /** the invocations whose subcommand (first argument after the global flags) is `command` */
  callsOf(command: string): string[][];
  remove(): void;
}

/** Global flags that take a value, as the shim passes them. */
const GLOBAL_WITH_VALUE = new Set(['--root', '--log', '--log-format', '--criu']);

export function subcommandOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export function createRuncRecorder(): RuncRecorder {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-runc-recorder-'));
  const record = join(dir, 'calls');
  const binary = join(dir, 'runc');
  writeFileSync(
    binary,
    `#!/bin/sh
{ for a in "$@"; do printf '%s\\000' "$a"; done; printf '\\n'; } >> '${record}'
log=; work=; sub=; prev=
for a in "$@"; do
  case "$prev" in
    --log) log=$a ;;
    --work-path) work=$a ;;
    --root|--log-format|--criu) ;;
    *) case "$a" in -*) ;; *) [ -z "$sub" ] && sub=$a ;; esac ;;
  esac
  prev=$a
done
case "$sub" in
  checkpoint|restore)
    printf '{"level":"error","msg":"${CRIU_ERROR}","time":"%s"}\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$log"
    mkdir -p "$work" && printf '%s\\n' '${DUMP_LOG_TEXT}' > "$work/dump.log"
    exit 1 ;;
esac
exec ${REAL_RUNC} "$@"
`,
  );
  chmodSync(binary, 0o755);
  const calls = (): string[][] =>
    existsSync(record)
      ? readFileSync(record, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\0').slice(0, -1))
      : [];
  return {
    dir,
    binary,
    calls,
    callsOf: (command) => calls().filter((argv) => subcommandOf(argv) === command),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
