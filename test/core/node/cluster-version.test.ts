/** The cluster's version (src/core/node/cluster-version.ts): ordering, the lowest, and when the leader writes it. */
import { describe, expect, it } from 'vitest';
import { ClusterVersionKeeper, compareVersions, lowestVersion, type VersionKeeperDeps } from '../../../src/core/node/cluster-version.js';

describe('versions', () => {
  it('order as semver orders MAJOR.MINOR.PATCH and pre-releases', () => {
    const sorted = ['0.10.0', '0.2.0', '1.0.0', '1.0.0-rc.1', '0.2.1', '0.2.0-alpha'].sort(compareVersions);
    expect(sorted).toEqual(['0.2.0-alpha', '0.2.0', '0.2.1', '0.10.0', '1.0.0-rc.1', '1.0.0']);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
  });

  it('the lowest version and data format are each the minimum', () => {
    expect(lowestVersion([{ version: '0.3.0', dataFormat: 1 }, { version: '0.2.5', dataFormat: 2 }, { version: '0.10.0', dataFormat: 2 }])).toEqual({ version: '0.2.5', dataFormat: 1 });
    expect(lowestVersion([])).toBeUndefined();
  });
});

/** A keeper over a fake member: the stored value is a variable that `write` replaces when it still matches. */
function keeper(members: string[], leader = true) {
  let stored: { value: string; revision: number } | undefined;
  const writes: string[] = [];
  const deps: VersionKeeperDeps = {
    self: { id: 'n1', version: '0.2.0', dataFormat: 2 },
    members: () => members,
    isLeader: () => leader,
    stored: () => stored,
    write: async (expected, value) => {
      if (expected !== stored?.value) throw new Error('changed meanwhile');
      stored = { value, revision: (stored?.revision ?? 0) + 1 };
      writes.push(value);
    },
    log: () => undefined,
  };
  return { keeper: new ClusterVersionKeeper(deps), writes };
}

describe('the cluster version keeper', () => {
  it('waits until every member was heard, then records the lowest, once', async () => {
    const { keeper: k, writes } = keeper(['n1', 'n2', 'n3']);
    k.learn('n2', { version: '0.1.0', dataFormat: 1 });
    await k.round();
    expect(writes).toEqual([]);
    expect(k.current()).toBeUndefined();
    expect(k.supports(1)).toBe(true);
    k.learn('n3', { version: '0.2.0', dataFormat: 2 });
    await k.round();
    await k.round();
    expect(writes).toEqual(['{"version":"0.1.0","dataFormat":1}']);
    expect(k.current()).toEqual({ version: '0.1.0', dataFormat: 1, revision: 1 });
    expect(k.supports(2)).toBe(false);
    // n2 is upgraded: it announces again on its new streams, and the version moves up.
    k.learn('n2', { version: '0.2.0', dataFormat: 2 });
    await k.round();
    expect(k.current()).toMatchObject({ version: '0.2.0', dataFormat: 2 });
    expect(k.supports(2)).toBe(true);
    expect(k.versionOf('n1')).toBe('0.2.0');
    expect(k.versionOf('n9')).toBeUndefined();
  });

  it('a member that predates announcing (no version) holds the version where it is; a follower never writes', async () => {
    const old = keeper(['n1', 'n2']);
    old.keeper.learn('n2', { version: '', dataFormat: 0 });
    await old.keeper.round();
    expect(old.writes).toEqual([]);
    const follower = keeper(['n1'], false);
    await follower.keeper.round();
    expect(follower.writes).toEqual([]);
  });
});
