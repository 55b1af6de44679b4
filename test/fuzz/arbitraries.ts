// What the fuzz suites share: how many cases to run, and arbitrary protobuf messages built from the shim's own
// descriptor, so that every field of every request gets arbitrary values of its wire type.
//
// `npm test` runs a short pass of each property (a few hundred cases); `npm run fuzz` sets TSSHIM_FUZZ_RUNS for
// a long one. A failure prints fast-check's seed and path: TSSHIM_FUZZ_SEED=<seed> replays the same cases.
import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { messageType } from '../../src/api/codec.ts';
import { TypeNames } from '../../src/api/types.ts';

/** The request type of each Task method, as the handlers decode it. */
export const REQUEST_TYPES: Record<string, string> = {
  State: TypeNames.stateRequest,
  Create: TypeNames.createTaskRequest,
  Start: TypeNames.startRequest,
  Delete: TypeNames.deleteRequest,
  Pids: TypeNames.pidsRequest,
  Pause: TypeNames.pauseRequest,
  Resume: TypeNames.resumeRequest,
  Checkpoint: TypeNames.checkpointTaskRequest,
  Kill: TypeNames.killRequest,
  Exec: TypeNames.execProcessRequest,
  ResizePty: TypeNames.resizePtyRequest,
  CloseIO: TypeNames.closeIORequest,
  Update: TypeNames.updateTaskRequest,
  Wait: TypeNames.waitRequest,
  Stats: TypeNames.statsRequest,
  Connect: TypeNames.connectRequest,
  Shutdown: TypeNames.shutdownRequest,
};

/** Cases for one property: TSSHIM_FUZZ_RUNS when set (the long run), else `short`. */
export function fuzzRuns(short: number): number {
  const fromEnv = Number.parseInt(process.env.TSSHIM_FUZZ_RUNS ?? '', 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : short;
}

/** fast-check parameters for one property of `short` cases in `npm test`. */
export function fuzzParameters<T>(short: number): fc.Parameters<T> {
  const seed = Number.parseInt(process.env.TSSHIM_FUZZ_SEED ?? '', 10);
  return {
    numRuns: fuzzRuns(short),
    ...(Number.isFinite(seed) ? { seed } : {}),
    // a failing case is reported as it is: shrinking re-runs it against a live shim many times over
    endOnFailure: true,
  };
}

/** Strings a peer may send: printable, control characters, unpaired surrogates, long ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 200 }),
  fc.constantFrom('', '.', '..', '/', '../x', 'a/b', 'x\n', '\u0000', 'a'.repeat(77)),
);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return anyString;
    case 'bool':
      return fc.boolean();
    case 'bytes':
      return fc.uint8Array({ maxLength: 64 });
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer({ min: INT32_MIN, max: INT32_MAX });
    case 'uint32':
    case 'fixed32':
      return fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: UINT32_MAX }));
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    case 'uint64':
    case 'fixed64':
      return fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    case 'double':
    case 'float':
      return fc.double();
    default:
      throw new Error(`no arbitrary for protobuf type ${type}`);
  }
}

/** `Message.field` or `field` (at any depth) → the arbitrary to use instead of the generic one. */
export type Overrides = Readonly<Record<string, fc.Arbitrary<unknown>>>;

function fieldArbitrary(field: protobuf.Field, depth: number, overrides: Overrides): fc.Arbitrary<unknown> {
  const override = overrides[`${field.parent?.name ?? ''}.${field.name}`] ?? overrides[field.name];
  if (override) return override;
  field.resolve();
  const resolved = field.resolvedType;
  let value: fc.Arbitrary<unknown>;
  if (resolved instanceof protobuf.Type) {
    value = depth > 0 ? messageOf(resolved, depth - 1, overrides) : fc.constant({});
  } else if (resolved instanceof protobuf.Enum) {
    value = fc.oneof(fc.constantFrom(...Object.values(resolved.values)), fc.integer({ min: -5, max: 1000 }));
  } else {
    value = scalar(field.type);
  }
  if (field.map) return fc.dictionary(anyString, value, { maxKeys: 4 });
  if (field.repeated) return fc.array(value, { maxLength: 4 });
  return value;
}

function messageOf(
  type: protobuf.Type,
  depth: number,
  overrides: Overrides,
  required: readonly string[] = [],
): fc.Arbitrary<object> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) fields[field.name] = fieldArbitrary(field, depth, overrides);
  // any subset of the fields (a missing one is the proto3 default), but for those the caller needs
  return fc.record(fields, { requiredKeys: [...required] });
}

/** Arbitrary values for every field of message `typeName` (nested messages too, two levels deep); the fields
 *  named in `required` are always set, from their override. */
export function messageArbitrary(
  typeName: string,
  overrides: Overrides = {},
  required: readonly string[] = [],
): fc.Arbitrary<object> {
  return messageOf(messageType(typeName), 2, overrides, required);
}

/** Bytes of `typeName` with arbitrary field values, as a peer could send them. */
export function encodedArbitrary(
  typeName: string,
  overrides: Overrides = {},
  required: readonly string[] = [],
): fc.Arbitrary<Uint8Array> {
  const type = messageType(typeName);
  return messageArbitrary(typeName, overrides, required).map((value) => type.encode(value).finish());
}

/** An Any whose type_url is one the shim knows or anything, and whose value is JSON, protobuf or noise. */
export function anyMessage(
  typeUrls: readonly string[],
): fc.Arbitrary<{ type_url: string; value: Uint8Array }> {
  return fc.record({
    type_url: fc.oneof(fc.constantFrom(...typeUrls), anyString),
    value: fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)),
      fc.object({ maxDepth: 2 }).map((o) => Buffer.from(JSON.stringify(o) ?? 'null')),
    ),
  });
}
