import fc from 'fast-check';
import type { Type } from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, protoSources } from '../../src/proto/index.js';
import { decodePeerBatch, encodePeerBatch, type PeerBatchIn } from '../../src/proto/peer-codec.js';
import { parseProtoFiles } from '../../src/proto/precompiled.js';

/**
 * The hand-written PeerBatch codec must be protobufjs's for this message: from the same bytes,
 * the same plain object as proto-loader's deserializer; and bytes that protobufjs reads back
 * as the batch that was encoded.
 */
const root = parseProtoFiles(protoSources());
const PeerBatch = root.lookupType('fleet.v1.PeerBatch') as Type;
const generic = {
  encode: (b: object) => Buffer.from(PeerBatch.encode(PeerBatch.fromObject(b)).finish()),
  decode: (bytes: Buffer) => PeerBatch.toObject(PeerBatch.decode(bytes), LOADER_OPTIONS),
};

const uint = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 }), fc.maxSafeNat());
const text = fc.string({ unit: 'binary', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const entry = fc.record({
  term: uint,
  index: uint,
  type: fc.constantFrom('ENTRY_TYPE_NORMAL', 'ENTRY_TYPE_CONF_CHANGE', 'ENTRY_TYPE_NOOP'),
  data: bytes,
});
const meta = fc.record({
  index: uint,
  term: uint,
  conf: fc.option(fc.record({ voters: fc.array(text, { maxLength: 4 }), learners: fc.array(text, { maxLength: 3 }) }), { nil: null }),
});
const message = fc.record(
  {
    type: fc.constantFrom('app', 'app-resp', 'heartbeat', 'vote', ''),
    from: text,
    to: text,
    term: uint,
    logTerm: uint,
    index: uint,
    entries: fc.array(entry, { maxLength: 5 }),
    commit: uint,
    reject: fc.boolean(),
    rejectHint: uint,
    transfer: fc.boolean(),
    repair: fc.integer({ min: 0, max: 0xffffffff }),
    snapshot: fc.option(meta, { nil: null }),
    context: bytes,
  },
  { requiredKeys: [] },
);
const batch = fc.record({ cluster: text, from: text, messages: fc.array(message, { maxLength: 4 }), fromAddress: text, fromZone: text, fromRegion: text, fromReadReplica: fc.boolean(), fromVersion: text, fromDataFormat: fc.nat({ max: 2 ** 31 }), fromFramed: fc.boolean() }, { requiredKeys: [] });

describe('PeerBatch codec', () => {
  it('decodes what protobufjs encodes to what proto-loader would hand over', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const wire = generic.encode(b);
        expect(decodePeerBatch(wire)).toEqual(generic.decode(wire));
      }),
      { numRuns: 500 },
    );
  });

  it('encodes bytes protobufjs decodes to the same batch', () => {
    fc.assert(
      fc.property(batch, (b) => {
        expect(generic.decode(encodePeerBatch(b as PeerBatchIn))).toEqual(generic.decode(generic.encode(b)));
      }),
      { numRuns: 500 },
    );
  });

  it('reads its own bytes back', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const wire = encodePeerBatch(b as PeerBatchIn);
        expect(decodePeerBatch(wire)).toEqual(generic.decode(wire));
      }),
      { numRuns: 200 },
    );
  });

  it('skips fields it does not know, as protobuf readers must', () => {
    const known = generic.encode({ from: 'n1', messages: [{ type: 'app', term: 3, entries: [{ index: 7, data: Buffer.from('x') }] }] });
    // Field 15 (varint), field 14 (length-delimited) and field 13 (fixed64) added after the known ones.
    const unknown = Buffer.from([(15 << 3) | 0, 0x96, 0x01, (14 << 3) | 2, 2, 0xaa, 0xbb, (13 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]);
    const wire = Buffer.concat([known, unknown]);
    expect(decodePeerBatch(wire)).toEqual(generic.decode(wire));
  });

  it('refuses truncated input with an error, not a wrong batch', () => {
    const wire = encodePeerBatch({ from: 'n1', messages: [{ type: 'app', term: 3, entries: [{ index: 7, data: Buffer.from('hello') }] }] });
    for (let cut = 1; cut < wire.length; cut++) {
      let decoded: unknown;
      try {
        decoded = decodePeerBatch(wire.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(RangeError);
        continue;
      }
      // A cut at a field boundary is a valid, shorter batch: protobufjs reads the same.
      expect(decoded).toEqual(generic.decode(wire.subarray(0, cut)));
    }
  });

  it('keeps entry data valid after the transport reuses its frame', () => {
    const wire = encodePeerBatch({ messages: [{ type: 'app', entries: [{ index: 1, data: Buffer.from('payload') }] }] });
    const decoded = decodePeerBatch(wire);
    wire.fill(0);
    expect(Buffer.from(decoded.messages[0]!.entries[0]!.data).toString()).toBe('payload');
  });

  it('refuses a number no member would send', () => {
    expect(() => encodePeerBatch({ messages: [{ term: -1 }] })).toThrow(/unsigned safe integer/);
    expect(() => encodePeerBatch({ messages: [{ term: 2 ** 60 }] })).toThrow(/unsigned safe integer/);
  });
});
