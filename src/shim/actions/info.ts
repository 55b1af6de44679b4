// `-info`: containerd's introspection of the runtime (ctr plugins inspect-runtime, CRI handler features).
import { decode, encode } from '../../api/codec.ts';
import { isEmptyAny, ociTypeUrls, type AnyMessage } from '../../api/any.ts';
import { TypeNames } from '../../api/types.ts';
import { Runc } from '../../runc/index.ts';
import { runcBinary, runcOptionsFromAny } from '../options.ts';
import { RUNTIME_NAME, buildInfo } from '../version.ts';
import { lookPath } from '../../spawn/look-path.ts';

export async function infoAction(stdin: Uint8Array): Promise<Uint8Array> {
  let input: AnyMessage | undefined;
  if (stdin.length > 0) {
    try {
      input = decode<AnyMessage>(TypeNames.any, stdin);
    } catch (err) {
      throw new Error(`failed to read runtime options: ${(err as Error).message}`);
    }
  }
  let options;
  try {
    options = runcOptionsFromAny(input);
  } catch (err) {
    throw new Error(`failed to read runtime options: ${(err as Error).message}`);
  }
  const name = runcBinary(options);
  const binary = lookPath(name, process.env.PATH);
  if (!binary) throw new Error(`exec: ${JSON.stringify(name)}: executable file not found in $PATH`);
  const features = await new Runc({ binary }).features().catch(() => undefined);
  return encode(TypeNames.runtimeInfo, {
    name: RUNTIME_NAME,
    version: buildInfo(),
    options: input && !isEmptyAny(input) ? input : undefined,
    features: features ? { type_url: ociTypeUrls.features, value: Buffer.from(features) } : undefined,
  });
}
