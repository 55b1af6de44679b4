// One behaviour for every tsshim command, so scripts can rely on it: --help (or -h) prints the command's usage to
// stdout and exits 0; a usage error prints "tsshim <command>: <problem>", a blank line and the usage to stderr and
// exits 2; other failures exit 1. Commands get this from parseCommand (below), so none can drift from it.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export const EXIT_USAGE = 2;

/** -h or --help among the command's own arguments (not among a container's, after --). */
function wantsHelp(argv: readonly string[]): boolean {
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
function isParseArgsError(err: unknown): boolean {
  return (err as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS') === true;
}

type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** The flags a parseArgs option table accepts, as typed on the command line (--name, -x). */
export function optionFlags(options: OptionTable): string[] {
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

/** The values strict parseArgs gives for an option table: a string or boolean per flag (an array if multiple),
 *  optional unless the flag has a default. */
export type OptionValues<O extends OptionTable> = ReturnType<
  typeof parseArgs<{ options: O; strict: true }>
>['values'];

/** Strict parseArgs over a command's option table: an unknown flag, a missing value or (unless allowed) a word
 *  that is no flag throws parseArgs's error, which parseCommand reports as a usage error. */
export function parseOptions<const O extends OptionTable>(
  argv: string[],
  options: O,
  { allowPositionals = false }: { allowPositionals?: boolean } = {},
): { values: OptionValues<O>; positionals: string[] } {
  return parseArgs({ args: argv, options, strict: true, allowPositionals });
}

/** A command's arguments, or the exit status it has already answered with (help printed, or a usage error). */
export type ParsedCommand<T> = { ok: true; args: T } | { ok: false; exitCode: number };

/**
 * The start of every command: --help / -h (before any --) prints its usage and exits 0 without parsing; else
 * `parse` reads argv, and a UsageError or parseArgs error it throws becomes "tsshim <name>: <problem>" and the
 * usage on stderr, exit 2. Any other error is not the user's: it is rethrown (tsshim exits 1).
 */
export function parseCommand<T>(
  argv: string[],
  command: Pick<CommandInfo, 'name' | 'usage'>,
  parse: (argv: string[]) => T,
): ParsedCommand<T> {
  if (wantsHelp(argv)) return { ok: false, exitCode: printHelp(command.usage) };
  try {
    return { ok: true, args: parse(argv) };
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err;
    return { ok: false, exitCode: usageFailure(command.name, (err as Error).message, command.usage) };
  }
}
