// `tsshim shim`: ttrpc straight to a live shim (ours or the Go one), no containerd involved.
import { TtrpcError } from '../../ttrpc/index.ts';
import { parseCommand } from '../usage.ts';
import { command, parseShimArgs } from './args.ts';
import { ShimClient } from './client.ts';
import { runCommand } from './commands.ts';
import { execCommand } from './exec.ts';
import { render } from './format.ts';

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, parseShimArgs);
  if (!parsed.ok) return parsed.exitCode;
  const args = parsed.args;
  const shim = await ShimClient.connect(args.target);
  const id = args.target.id ?? '';
  try {
    if (args.command.name === 'exec') return await execCommand(shim, id, args.command);
    process.stdout.write(render(await runCommand(shim, id, args.command), args.format));
    return 0;
  } catch (err) {
    const message =
      err instanceof TtrpcError ? err.describe() : err instanceof Error ? err.message : String(err);
    process.stderr.write(`tsshim shim ${args.command.name}: ${message}\n`);
    return 1;
  } finally {
    shim.close();
  }
}
