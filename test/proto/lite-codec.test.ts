import fc from 'fast-check';
import type { Enum, Field, Type } from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, loadProbeCodecs, protoSources } from '../../src/proto/index.js';
import { LiteRoot } from '../../src/proto/lite-codec.js';
import { PROBE_MESSAGES, parseProtoFiles, precompile, subsetOf } from '../../src/proto/precompiled.js';

/**
 * The probe's codec must be protobufjs for the probe's messages: the same plain objects from the
 * same bytes (as proto-loader's deserializers shape them), and bytes protobufjs reads back as
 * what was encoded. Random messages cover every field of every type the probe reaches.
 */
const root = parseProtoFiles(protoSources());
const lite = new LiteRoot(subsetOf(root, PROBE_MESSAGES));
const reachable = Object.keys(flatten(subsetOf(root, PROBE_MESSAGES))).filter((name) => 'fields' in root.lookup(name)!);

function flatten(ns: { nested?: Record<string, unknown> }, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(ns.nested ?? {})) {
    const fqn = prefix === '' ? name : `${prefix}.${name}`;
    const c = child as { nested?: Record<string, unknown>; fields?: unknown; values?: unknown };
    if (c.fields !== undefined || c.values !== undefined) out[fqn] = c;
    Object.assign(out, flatten(c, fqn));
  }
  return out;
}

const UINT64_SAFE = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 32 }), fc.maxSafeNat());
const INT64_SAFE = fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger());

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': return fc.string({ unit: 'binary', maxLength: 12 });
    case 'bool': return fc.boolean();
    case 'uint32': case 'fixed32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int32': case 'sint32': case 'sfixed32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint64': case 'fixed64': return UINT64_SAFE;
    case 'int64': case 'sint64': case 'sfixed64': return INT64_SAFE;
    case 'double': return fc.double({ noNaN: true });
    case 'float': return fc.float({ noNaN: true }).map((f) => Math.fround(f));
    case 'bytes': return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b));
    default: throw new Error(`no arbitrary for ${type}`);
  }
}

function valueOf(field: Field, depth: number): fc.Arbitrary<unknown> {
  field.resolve();
  const t = field.resolvedType;
  if (t !== null && 'values' in t) return fc.constantFrom(...Object.keys((t as Enum).values));
  if (t !== null) return depth < 3 ? message(t as Type, depth + 1) : fc.constant({});
  return scalar(field.type);
}

/** A random plain object of `type`: any subset of its fields, at most one member per oneof. */
function message(type: Type, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const inOneof = new Set(type.oneofsArray.flatMap((o) => o.oneof));
  for (const f of type.fieldsArray) {
    if (inOneof.has(f.name)) continue;
    const v = valueOf(f, depth);
    if (f.map) parts[f.name] = fc.dictionary((f as Field & { keyType: string }).keyType === 'string' ? fc.string({ maxLength: 6 }) : fc.integer({ min: 0, max: 1000 }).map(String), v, { maxKeys: 3 });
    else if (f.repeated) parts[f.name] = fc.array(v, { maxLength: 3 });
    else parts[f.name] = v;
  }
  const oneofs = type.oneofsArray.map((o) =>
    fc.option(fc.constantFrom(...o.oneof).chain((name) => valueOf(type.fields[name]!, depth).map((v) => ({ [name]: v }))), { nil: {} }),
  );
  return fc
    .tuple(fc.record(parts, { requiredKeys: [] }), ...oneofs)
    .map(([base, ...chosen]) => Object.assign({}, base, ...chosen) as Record<string, unknown>);
}

const protobufjsEncode = (type: Type, value: object): Uint8Array => type.encode(type.fromObject(value)).finish();
const protobufjsDecode = (type: Type, bytes: Uint8Array): unknown => type.toObject(type.decode(bytes), LOADER_OPTIONS);

describe('lite codec', () => {
  it('reaches every type of the probe', () => {
    expect(reachable).toEqual(expect.arrayContaining([...PROBE_MESSAGES]));
    expect(reachable.length).toBeGreaterThan(PROBE_MESSAGES.length);
  });

  it.each(reachable)('decodes %s as protobufjs does, and encodes what protobufjs reads back', (name) => {
    const type = root.lookupType(name);
    const codec = lite.lookupType(name);
    fc.assert(
      fc.property(message(type), (value) => {
        const bytes = protobufjsEncode(type, value);
        expect(codec.decode(bytes)).toEqual(protobufjsDecode(type, bytes));
        expect(protobufjsDecode(type, codec.encode(value))).toEqual(protobufjsDecode(type, bytes));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps a byte-order mark at the start of a string (fast-check found it dropped: seed -1661403340)', () => {
    const type = root.lookupType('fleet.v1.ShardList');
    const bytes = protobufjsEncode(type, { shards: [{ id: '\uFEFFs1', labels: { '': '\uFEFF' } }] });
    expect(lite.lookupType('fleet.v1.ShardList').decode(bytes)).toEqual(protobufjsDecode(type, bytes));
  });

  it('skips fields it does not know (a newer member may send more)', () => {
    const type = root.lookupType('fleet.v1.MemberStatus');
    const known = protobufjsEncode(type, { id: 'n1', term: 7 });
    // Field 999, length-delimited, 3 bytes; then a varint field 998.
    const unknown = Buffer.from([0xba, 0x3e, 3, 1, 2, 3, 0xb0, 0x3e, 42]);
    expect(lite.lookupType('fleet.v1.MemberStatus').decode(Buffer.concat([unknown, known]))).toEqual(protobufjsDecode(type, known));
  });

  it('refuses a truncated message instead of inventing values', () => {
    const type = root.lookupType('fleet.v1.MemberStatus');
    const bytes = protobufjsEncode(type, { id: 'a long member id', term: 7 });
    expect(() => lite.lookupType('fleet.v1.MemberStatus').decode(bytes.subarray(0, 5))).toThrow(/truncated/);
  });

  it('is what the probe uses, from the precompiled subtree', () => {
    expect(precompile(protoSources()).probe).toEqual(subsetOf(root, PROBE_MESSAGES));
    const status = root.lookupType('fleet.v1.MemberStatus');
    const bytes = protobufjsEncode(status, { id: 'n2', role: 'MEMBER_ROLE_LEADER', members: [{ id: 'n1', address: 'a:1', voter: true }] });
    expect(loadProbeCodecs().memberStatus.decode(Buffer.from(bytes))).toEqual(protobufjsDecode(status, bytes));
  });
});
