// `tsshim info [--binary NAME] [--shim PATH]`: runs the shim's -info as containerd's introspection does and
// prints the RuntimeInfo as JSON, shaped like `ctr plugins inspect-runtime` (features decoded from JSON).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAny, typeNameOf, type AnyMessage } from '../api/any.ts';
import { decode, encode, hasMessageType } from '../api/codec.ts';
import { TypeNames } from '../api/types.ts';
import { run } from '../spawn/index.ts';
import { shimBinary } from './shim/binary.ts';
import { optionFlags, parseCommand, parseOptions, type CommandInfo } from './usage.ts';

const USAGE = `usage: tsshim info [--binary NAME] [--shim PATH]

Prints what the shim's -info returns (containerd.types.RuntimeInfo) as JSON, as containerd's introspection
(ctr plugins inspect-runtime) shows it.
  --binary NAME   runc-compatible runtime to ask for its features (runtime option BinaryName; default runc)
  --shim PATH     shim binary to run (default this package's containerd-shim-tsshim-v2)
  -h, --help      this help
`;

const OPTIONS = {
  binary: { type: 'string' },
  shim: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: CommandInfo = { name: 'info', usage: USAGE, flags: optionFlags(OPTIONS) };

interface RuntimeInfo {
  name: string;
  version: { version: string; revision: string } | null;
  options: AnyMessage | null;
  features: AnyMessage | null;
  annotations: Record<string, string>;
}

function decodeOptions(options: AnyMessage | null): unknown {
  if (!options) return null;
  const name = typeNameOf(options);
  if (!hasMessageType(name)) return { type_url: options.type_url };
  // as Go's protobuf JSON (ctr) prints it: fields left at their default are omitted
  const isDefault = (v: unknown): boolean =>
    v === false || v === '' || v === 0 || v === null || (Array.isArray(v) && v.length === 0);
  return Object.fromEntries(
    Object.entries(decode<Record<string, unknown>>(name, options.value)).filter(([, v]) => !isDefault(v)),
  );
}

function decodeFeatures(features: AnyMessage | null): unknown {
  if (!features) return null;
  return JSON.parse(Buffer.from(features.value).toString('utf8')) as unknown;
}

/** The JSON `ctr plugins inspect-runtime` prints for the same RuntimeInfo. */
export function runtimeInfoJson(info: RuntimeInfo): Record<string, unknown> {
  return {
    Name: info.name,
    Version: info.version ? { Version: info.version.version, Revision: info.version.revision } : null,
    Options: decodeOptions(info.options),
    Features: decodeFeatures(info.features),
    Annotations: Object.keys(info.annotations).length ? info.annotations : null,
  };
}

/** stdout is protobuf, not text: it goes to a file, which we read back as bytes. */
async function runInfo(
  shim: string,
  input: Uint8Array,
): Promise<{ exitCode: number; stderr: string; stdout: Uint8Array }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-info-'));
  const out = join(dir, 'stdout');
  const fd = openSync(out, 'w+', 0o600);
  try {
    const res = await run(shim, ['-info'], { input, stdio: { stdout: fd } });
    return { exitCode: res.exitCode, stderr: res.stderr, stdout: readFileSync(out) };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, (args) => parseOptions(args, OPTIONS).values);
  if (!parsed.ok) return parsed.exitCode;
  const values = parsed.args;
  const input = values.binary
    ? encode(TypeNames.any, packAny(TypeNames.runcOptions, { binary_name: values.binary }))
    : new Uint8Array();
  const shim = values.shim ?? shimBinary();
  const { exitCode, stderr, stdout } = await runInfo(shim, input);
  if (exitCode !== 0) {
    process.stderr.write(`tsshim info: ${shim} -info failed: ${stderr.trim()}\n`);
    return 1;
  }
  const info = decode<RuntimeInfo>(TypeNames.runtimeInfo, stdout);
  process.stdout.write(`${JSON.stringify(runtimeInfoJson(info), null, 4)}\n`);
  return 0;
}
