import { parseCommand } from '../usage.ts';
import { command, parseRunArgs } from './args.ts';
import { runContainer } from './driver.ts';

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, parseRunArgs);
  if (!parsed.ok) return parsed.exitCode;
  return runContainer(parsed.args);
}
