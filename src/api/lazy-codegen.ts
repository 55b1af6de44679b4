// protobufjs generates a type's five functions (encode, decode, verify, fromObject, toObject) all at once the
// first time any of them is called. The shim uses three, and most nested types only one direction; each
// generated function costs parse and compile time (in the daemon's interpreter-only V8) on the first request of
// a new shim, the path of every container start. This setup generates each function on its first use instead, with the same
// generators and the same wrappers (google.protobuf.Any) as protobufjs's own setup.
import protobuf from 'protobufjs/light.js';

type Generated = 'encode' | 'decode' | 'verify' | 'fromObject' | 'toObject';

interface Generators {
  encoder(type: protobuf.Type): (deps: object) => unknown;
  decoder(type: protobuf.Type): (deps: object) => unknown;
  verifier(type: protobuf.Type): (deps: object) => unknown;
  converter: {
    fromObject(type: protobuf.Type): (deps: object) => unknown;
    toObject(type: protobuf.Type): (deps: object) => unknown;
  };
  wrappers: Record<string, { fromObject?: unknown; toObject?: unknown } | undefined>;
}

interface SetupType {
  fieldsArray: protobuf.Field[];
  fullName: string;
  setup(): SetupType;
}

function define(type: object, name: Generated, make: () => unknown): void {
  Object.defineProperty(type, name, {
    configurable: true,
    enumerable: true,
    get() {
      const fn = make();
      Object.defineProperty(type, name, { value: fn, writable: true, configurable: true, enumerable: true });
      return fn;
    },
    set(this: object, value: unknown) {
      Object.defineProperty(this, name, { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

function lazySetup(this: SetupType): SetupType {
  const pb = protobuf as unknown as Generators & typeof protobuf;
  const type = this as unknown as protobuf.Type & SetupType;
  // resolving fields is what protobufjs's setup does first; it throws here for an unresolvable field, as there
  const types = type.fieldsArray.map((f) => f.resolve().resolvedType);
  const util = protobuf.util;
  define(type, 'encode', () => pb.encoder(type)({ Writer: protobuf.Writer, types, util }));
  define(type, 'decode', () => pb.decoder(type)({ Reader: protobuf.Reader, types, util }));
  define(type, 'verify', () => pb.verifier(type)({ types, util }));
  const wrapper = pb.wrappers[type.fullName];
  for (const name of ['fromObject', 'toObject'] as const) {
    define(type, name, () => {
      const generated = pb.converter[name](type)({ types, util });
      const wrap = wrapper?.[name];
      if (typeof wrap !== 'function') return generated;
      // as protobufjs: the wrapper sees the generated function as this[name]
      const original: object = Object.create(type);
      Object.defineProperty(original, name, { value: generated });
      return (wrap as (...a: unknown[]) => unknown).bind(original);
    });
  }
  return type;
}

let installed = false;

/** Replaces protobufjs's Type.prototype.setup for every type (once per process). */
export function installLazyCodegen(): void {
  if (installed) return;
  installed = true;
  (protobuf.Type.prototype as unknown as SetupType).setup = lazySetup;
}
