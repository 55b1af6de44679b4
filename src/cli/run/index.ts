import { isParseArgsError, printHelp, usageFailure, UsageError, wantsHelp } from '../usage.ts';
import { parseRunArgs, RUN_USAGE } from './args.ts';
import { runContainer } from './driver.ts';

export async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) return printHelp(RUN_USAGE);
  let args;
  try {
    args = parseRunArgs(argv);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err))
      return usageFailure('run', (err as Error).message, RUN_USAGE);
    throw err;
  }
  return runContainer(args);
}
