// Turns src/api/proto/**/*.proto into one JSON descriptor, so the shim loads protobufjs/light
// at run time and never parses .proto text on its start path.
import { readdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import protobuf from 'protobufjs';

const protoRoot = 'src/api/proto';

function listProtos(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listProtos(join(dir, e.name)) : e.name.endsWith('.proto') ? [join(dir, e.name)] : [],
  );
}

export async function writeDescriptor(out = 'src/api/descriptor.json') {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  const files = listProtos(protoRoot).map((f) => relative(protoRoot, f));
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  const json = JSON.stringify(root.toJSON({ keepComments: false }));
  if (!existsSync(out) || readFileSync(out, 'utf8') !== json) writeFileSync(out, json);
}

if (import.meta.url === `file://${process.argv[1]}`) await writeDescriptor();
