import { describe, expect, it } from 'vitest';
import { MemberList } from '../../../src/core/node/member-list.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';
import { recordingLogger } from './fake-runtime.js';

const founders = new Map([
  ['n1', 'h1:7001'],
  ['n2', 'h2:7001'],
  ['n3', 'h3:7001'],
]);

/** A list for n1 over a storage that recovered `recovered` and records every save. */
function list(recovered: [string, string][] = [], save: () => Promise<void> = () => Promise.resolve()) {
  const saved: Map<string, string>[] = [];
  const storage = {
    recovered: { entries: [], members: new Map(recovered) },
    saveMembers: (m: ReadonlyMap<string, string>) => {
      saved.push(new Map(m));
      return save();
    },
  } as Pick<NodeStorage, 'recovered' | 'saveMembers'> as NodeStorage;
  const logger = recordingLogger();
  const members = new MemberList({ id: 'n1', placement: { zone: 'z1', region: 'r1' } }, founders, storage, logger);
  return { members, saved, logger };
}

const context = (address: string) => new TextEncoder().encode(JSON.stringify({ address }));

describe('MemberList', () => {
  it('knows the founders, with addresses recovered from the data dir taking precedence', () => {
    const { members } = list([
      ['n3', 'h3-moved:7001'],
      ['n4', 'h4:7001'],
    ]);
    expect(members.addressOf('n2')).toBe('h2:7001');
    expect(members.addressOf('n3')).toBe('h3-moved:7001');
    expect(members.addressOf('n4')).toBe('h4:7001');
    expect(members.addressOf('n9')).toBe('');
    expect([...members.peers()]).toEqual([
      ['n2', 'h2:7001'],
      ['n3', 'h3-moved:7001'],
      ['n4', 'h4:7001'],
    ]);
  });

  it('learns an announced address only for a peer it does not know, and saves it', () => {
    const { members, saved, logger } = list();
    expect(members.learnAddress('n2', 'elsewhere:1')).toBe(false);
    expect(members.learnAddress('n1', 'me:1')).toBe(false);
    expect(saved).toEqual([]);
    expect(members.learnAddress('n5', 'h5:7001')).toBe(true);
    expect(members.addressOf('n2')).toBe('h2:7001');
    expect(members.addressOf('n5')).toBe('h5:7001');
    expect(saved.at(-1)?.get('n5')).toBe('h5:7001');
    expect(logger.lines.map((l) => l.msg)).toEqual(['learned a peer address']);
  });

  it('records an added member’s address from the change and forgets a removed one', () => {
    const { members, saved } = list();
    members.applyConfChange({ type: 'add-learner', node: 'n4', context: context('h4:7001') });
    expect(members.addressOf('n4')).toBe('h4:7001');
    members.applyConfChange({ type: 'remove', node: 'n2' });
    expect(members.addressOf('n2')).toBe('');
    expect([...members.peers().keys()]).toEqual(['n3', 'n4']);
    expect(saved).toHaveLength(2);
    expect([...saved[1]!.keys()].sort()).toEqual(['n1', 'n3', 'n4']);
  });

  it('hears from members of the configuration and those being added; from anyone before it knows one', () => {
    const { members } = list();
    const conf = { voters: ['n1', 'n2'], learners: ['n7'] };
    expect(members.mayHear('n2', conf)).toBe(true);
    expect(members.mayHear('n7', conf)).toBe(true);
    expect(members.mayHear('n3', conf)).toBe(true); // its address is known: a member being added
    expect(members.mayHear('n8', conf)).toBe(false);
    expect(members.mayHear('n8', { voters: [], learners: [] })).toBe(true);
  });

  it('keeps the latest placement each peer announced, and its own from its options', () => {
    const { members } = list();
    expect(members.placementOf('n1')).toEqual({ zone: 'z1', region: 'r1' });
    expect(members.placementOf('n2')).toEqual({});
    members.learnPlacement('n2', { zone: 'z2', region: '' });
    expect(members.placementOf('n2')).toEqual({ zone: 'z2' });
    members.learnPlacement('n2', { zone: 'z3', region: 'r3', readReplica: true });
    expect(members.placementOf('n2')).toEqual({ zone: 'z3', region: 'r3', readReplica: true });
    expect(members.isReadReplica('n2')).toBe(true);
    // Nobody else speaks for this member's own placement.
    members.learnPlacement('n1', { zone: 'zz', region: 'rr', readReplica: true });
    expect(members.placementOf('n1')).toEqual({ zone: 'z1', region: 'r1' });
    expect(members.isReadReplica('n1')).toBe(false);
  });

  it('logs a failed save instead of throwing', async () => {
    const { members, logger } = list([], () => Promise.reject(new Error('EROFS')));
    members.learnAddress('n6', 'h6:7001');
    await new Promise<void>((r) => setImmediate(r));
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).toEqual(['info learned a peer address', 'warn could not save the member list']);
  });
});
