// One behaviour for every tsshim command, so scripts can rely on it: --help (or -h) prints the command's usage to
// stdout and exits 0; a usage error prints "tsshim <command>: <problem>", a blank line and the usage to stderr and
// exits 2; other failures exit 1.
import type { ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export const EXIT_USAGE = 2;

/** -h or --help among the command's own arguments (not among a container's, after --). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  return own.includes('-h') || own.includes('--help');
}

export function printHelp(usage: string): number {
  process.stdout.write(usage);
  return 0;
}

/** command: the command's name, or '' for the tool's own arguments */
export function usageFailure(command: string, problem: string, usage: string): number {
  process.stderr.write(`${command ? `tsshim ${command}` : 'tsshim'}: ${problem}\n\n${usage}`);
  return EXIT_USAGE;
}

/** node:util parseArgs's errors (unknown option, missing value...) are usage errors. */
export function isParseArgsError(err: unknown): boolean {
  return (err as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS') === true;
}

/** The flags a parseArgs option table accepts, as typed on the command line (--name, -x). */
export function optionFlags(options: NonNullable<ParseArgsConfig['options']>): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

/** What each command declares about itself, for `tsshim help` and the tests that hold every command to the
 *  rules above. */
export interface CommandInfo {
  name: string;
  usage: string;
  /** every flag the command accepts */
  flags: readonly string[];
}
