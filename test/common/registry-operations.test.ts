/**
 * The declaration of the registry's writes (src/common/registry/registry-operations.ts) and the wire
 * derived from it (src/proto/registry-wire.ts): it covers every client write, its numbers are
 * unique, and any command it describes survives the real protobuf serialization both ways —
 * absent optionals absent, null `from` null, empty labels empty, defaults as documented.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandToWire } from '../../src/client/encode.js';
import { FleetClientError } from '../../src/client/errors.js';
import { REGISTRY_ON_ETCD } from '../../src/client/registry.js';
import { COMMAND_TYPES } from '../../src/common/registry/registry-parse.js';
import { CLIENT_COMMAND_TYPES, REGISTRY_OPERATIONS, type Field, type Fields } from '../../src/common/registry/registry-operations.js';
import { commandFromWire } from '../../src/core/server/fleet-api/wire-commands.js';
import { WireError } from '../../src/core/server/wire.js';
import { PLAN_STATES, SHARD_STATES, loadFleetProto } from '../../src/proto/index.js';
import type * as wire from '../../src/proto/index.js';
import { commandFromWirePart, commandToWirePart, type EnumFallback } from '../../src/proto/registry-wire.js';

const write = () => loadFleetProto().fleet.v1.Fleet.service.Write;
type Plain = Record<string, unknown>;

describe('the declaration', () => {
  it('declares every registry write but those only members propose', () => {
    expect(new Set(CLIENT_COMMAND_TYPES)).toEqual(new Set(COMMAND_TYPES.filter((t) => t !== 'lease.expire' && t !== 'audit.record')));
  });

  it('gives each write its own oneof number and each field its own number', () => {
    const numbers = Object.values(REGISTRY_OPERATIONS).map((op) => op.no);
    expect(new Set(numbers).size).toBe(numbers.length);
    const unique = (fields: Fields): void => {
      const nos = Object.values(fields).map((f) => f.no);
      expect(new Set(nos).size).toBe(nos.length);
      for (const f of Object.values(fields)) if (f.kind === 'messages') unique(f.fields);
    };
    for (const op of Object.values(REGISTRY_OPERATIONS)) {
      unique(op.args);
      unique(op.result);
    }
  });

  it('keeps on etcd what the etcd backend kept before: everything but the KV', () => {
    expect(REGISTRY_ON_ETCD).toEqual([
      'shard.register', 'shard.update', 'shard.setState', 'shard.remove', 'shard.heartbeat',
      'cluster.contact', 'cluster.rebind', 'cluster.rebindBatch', 'cluster.unbind', 'cluster.heartbeat', 'cluster.prune',
      'domain.assign', 'domain.unassign', 'quota.set', 'quota.remove', 'provider.add', 'provider.remove',
      'lease.acquire', 'lease.renew', 'lease.release', 'plan.progress',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Any declared command, through the real serializers and back.
// ---------------------------------------------------------------------------------------------

const name = fc.stringMatching(/^[a-z][a-z0-9.-]{0,11}$/);
const text = fc.string({ maxLength: 12 });

/** An arbitrary value of one field, or `absent` for a field a command may leave out. */
function arbitraryOf(f: Field): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'string':
    case 'optionalString':
      return text;
    case 'namespace':
      return name; // '' is the default namespace itself: it reads back as absent (below).
    case 'nullableString':
      return fc.option(text, { nil: null });
    case 'number':
      return f.wire === 'int64' ? fc.integer() : fc.nat();
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...(f.enum === 'ShardState' ? SHARD_STATES : PLAN_STATES).names);
    case 'map':
    case 'wrappedMap':
      return f.kind === 'map' && f.value === 'uint64'
        ? fc.dictionary(name, fc.nat(), { maxKeys: 4, noNullPrototype: true })
        : fc.dictionary(name, text, { maxKeys: 4, noNullPrototype: true });
    case 'list':
      return fc.array(text, { maxLength: 4 });
    case 'messages':
      return fc.array(arbitraryMessage(f.fields), { maxLength: 3 });
    case 'casExpected':
    case 'view':
      throw new Error(`${f.kind}: not generated`);
  }
}

/** Fields a command may leave out: they get dropped at random. */
function mayBeAbsent(f: Field): boolean {
  return f.kind === 'optionalString' || f.kind === 'namespace' || f.kind === 'bool' || f.kind === 'wrappedMap' || ((f.kind === 'number' || f.kind === 'map') && f.optional === true);
}

function arbitraryMessage(fields: Fields): fc.Arbitrary<Plain> {
  const model = Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, arbitraryOf(f)]));
  const required = Object.entries(fields).filter(([, f]) => !mayBeAbsent(f)).map(([n]) => n);
  return fc.record(model, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Plain>;
}

/** What the member reads back: booleans left out were sent as false, maps left out as {}. */
function expectedBack(fields: Fields, sent: Plain): Plain {
  const out: Plain = {};
  for (const [n, f] of Object.entries(fields)) {
    const v = sent[n];
    if (f.kind === 'bool') out[n] = v ?? false;
    else if (f.kind === 'map') out[n] = v ?? {};
    else if (f.kind === 'messages') out[n] = (v as Plain[]).map((m) => expectedBack(f.fields, m));
    else if (v !== undefined) out[n] = v;
  }
  return out;
}

const throwOnBadEnum: EnumFallback = (_map, value, field) => {
  throw new Error(`${field}: ${String(value)}`);
};

describe('a declared command on the wire', () => {
  // kv.cas's expectations have rules of their own (next block); every other write is generated from its declaration.
  for (const type of CLIENT_COMMAND_TYPES.filter((t) => t !== 'kv.cas')) {
    it(`${type} reads back as sent, through the Write method's serializers`, () => {
      const fields = REGISTRY_OPERATIONS[type].args;
      fc.assert(
        fc.property(arbitraryMessage(fields), (args) => {
          const sent = { type, ...args } as Parameters<typeof commandToWirePart>[0];
          const bytes = write().requestSerialize({ clientId: 'c', seq: 1, firstIncomplete: 1, ...commandToWirePart(sent) });
          const req = write().requestDeserialize(bytes) as wire.WriteRequest__Output;
          const back = commandFromWirePart(req, throwOnBadEnum);
          expect(back?.message).toStrictEqual({ type, ...expectedBack(fields, args) });
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('kv.cas expectations', () => {
  const roundTrip = (c: object): unknown => {
    const req = write().requestDeserialize(write().requestSerialize({ clientId: 'c', seq: 1, firstIncomplete: 1, ...commandToWire(c as never) })) as wire.WriteRequest__Output;
    return commandFromWire(req);
  };

  it('carries a value, absence, a revision, or a value and a revision', () => {
    for (const c of [
      { type: 'kv.cas', key: 'k', expected: 'v', value: 'w' },
      { type: 'kv.cas', key: 'k', expected: null, value: 'w' },
      { type: 'kv.cas', key: 'k', expectRevision: 0, value: 'w' },
      { type: 'kv.cas', key: 'k', expected: '', expectRevision: 3, value: 'w', ns: 'app' },
    ]) expect(roundTrip(c)).toStrictEqual(c);
  });

  it('refuses, in the client, what the wire could not tell apart', () => {
    expect(() => commandToWire({ type: 'kv.cas', key: 'k', expected: null, expectRevision: 1, value: 'w' })).toThrow(FleetClientError);
    expect(() => commandToWire({ type: 'kv.cas', key: 'k', expected: null, expectRevision: 1, value: 'w' })).toThrow(/^kv cas: compare a revision, or require an absent key, not both/);
    expect(() => commandToWire({ type: 'kv.cas', key: 'k', value: 'w' })).toThrow(/^kv cas: give the expected value \(null: absent\) or the expected revision$/);
  });
});

describe('bad wire input', () => {
  it('names the oneof members when none is set, and the message when it is missing', () => {
    expect(() => commandFromWire({ clientId: '', seq: 0, firstIncomplete: 0 } as wire.WriteRequest__Output)).toThrow(new WireError(`command: none set; set one of ${CLIENT_COMMAND_TYPES.map((t) => t.replace(/\.([a-z])/, (_m, c: string) => `_${c}`).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join(', ')}`));
    expect(() => commandFromWire({ clientId: '', seq: 0, firstIncomplete: 0, command: 'kvPut' } as wire.WriteRequest__Output)).toThrow(new WireError('kv_put: the message is missing'));
  });

  it('refuses an enum value that names no state, naming the field', () => {
    const req = { clientId: '', seq: 0, firstIncomplete: 0, command: 'shardSetState', shardSetState: { id: 's1', state: 'SHARD_STATE_UNSPECIFIED' } } as wire.WriteRequest__Output;
    expect(() => commandFromWire(req)).toThrow(new WireError('shard_set_state.state: got SHARD_STATE_UNSPECIFIED, want one of SHARD_STATE_ACTIVE, SHARD_STATE_DRAINING, SHARD_STATE_CORDONED'));
  });
});
