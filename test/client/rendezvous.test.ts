/**
 * The rendezvous assignment ShardLeases relies on: every member computes the same owner from
 * the same live list, in any order; each shard has exactly one owner; shards spread evenly; and
 * a member leaving or joining moves only the shards it loses or gains.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignShards, rendezvousOwner } from '../../src/client/recipes/rendezvous.js';

const shards = Array.from({ length: 32 }, (_, i) => `shard-${i}`);
const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 });

describe('rendezvous assignment', () => {
  it('gives every shard exactly one owner among the members, whatever their order', () => {
    fc.assert(
      fc.property(ids.chain((m) => fc.tuple(fc.constant(m), fc.shuffledSubarray(m, { minLength: m.length, maxLength: m.length }))), ([members, shuffled]) => {
        const owners = assignShards(shards, members);
        expect(assignShards(shards, shuffled)).toEqual(owners);
        expect([...owners.keys()]).toEqual(shards);
        for (const owner of owners.values()) expect(members).toContain(owner);
      }),
    );
  });

  it('moves only the leaver\'s shards when a member leaves, and only the joiner\'s when one joins', () => {
    fc.assert(
      fc.property(ids.filter((m) => m.length >= 2), fc.nat(), (members, pick) => {
        const leaver = members[pick % members.length]!;
        const before = assignShards(shards, members);
        const after = assignShards(shards, members.filter((m) => m !== leaver));
        for (const shard of shards) {
          if (before.get(shard) !== leaver) expect(after.get(shard)).toBe(before.get(shard));
          else expect(after.get(shard)).not.toBe(leaver);
        }
        // The join is the same change read backwards: only shards the joiner gains move.
        for (const shard of shards) if (before.get(shard) !== after.get(shard)) expect(before.get(shard)).toBe(leaver);
      }),
    );
  });

  it('spreads shards evenly: with 3 members and 300 shards, each owns between 70 and 130', () => {
    const many = Array.from({ length: 300 }, (_, i) => `s${i}`);
    const counts = new Map<string, number>();
    for (const owner of assignShards(many, ['w1', 'w2', 'w3']).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(70);
      expect(n).toBeLessThan(130);
    }
  });

  it('has no owner without members, and is deterministic across calls', () => {
    expect(rendezvousOwner('s', [])).toBeUndefined();
    expect(assignShards(['s'], []).size).toBe(0);
    expect(rendezvousOwner('shard-7', ['a', 'b', 'c'])).toBe(rendezvousOwner('shard-7', ['c', 'b', 'a']));
  });
});
