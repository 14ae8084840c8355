import { describe, expect, it } from 'vitest';
import { bestTransferTarget, checkChange } from '../../src/ops/member-changes.js';
import { buildStatusModel } from '../../src/ops/status.js';
import { MEMBERS3, down, leader, member, ok } from './status-fixtures.js';

const healthy = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { lastIndex: 97 }))]);
const oneDown = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);

describe('checkChange', () => {
  it('lets a healthy cluster lose a voter', () => {
    expect(checkChange(healthy, { kind: 'remove', id: 'n3' })).toEqual({ ok: true });
  });

  it('refuses to remove a healthy voter when only quorum-many are healthy, naming the risk', () => {
    const v = checkChange(oneDown, { kind: 'remove', id: 'n2' });
    expect(v).toMatchObject({ ok: false, forceable: true });
    expect(!v.ok && v.risk).toMatch(/leaves 1 healthy of 2 voters, below the quorum of 2/);
  });

  it('allows removing the member that is down', () => {
    expect(checkChange(oneDown, { kind: 'remove', id: 'n3' })).toEqual({ ok: true });
  });

  it('refuses a new voter that would stall writes, but not a learner', () => {
    expect(checkChange(oneDown, { kind: 'add', id: 'n4', learner: false })).toMatchObject({ ok: false, forceable: true });
    expect(checkChange(oneDown, { kind: 'add', id: 'n4', learner: true })).toEqual({ ok: true });
    expect(checkChange(healthy, { kind: 'add', id: 'n2', learner: true })).toMatchObject({ ok: false, forceable: false });
  });

  it('checks promotions', () => {
    const members = [...MEMBERS3, { id: 'n4', address: '127.0.0.1:7784', voter: false }];
    const m = buildStatusModel([ok(leader({ members })), ok(member('n2', { members })), ok(member('n3', { members })), ok(member('n4', { members }))]);
    expect(checkChange(m, { kind: 'promote', id: 'n4' })).toEqual({ ok: true });
    expect(checkChange(m, { kind: 'promote', id: 'n2' })).toMatchObject({ ok: false, forceable: false });
    expect(checkChange(m, { kind: 'promote', id: 'n9' })).toMatchObject({ ok: false, forceable: false });
  });

  it('checks transfers', () => {
    expect(checkChange(healthy, { kind: 'transfer', to: undefined })).toEqual({ ok: true });
    expect(checkChange(healthy, { kind: 'transfer', to: 'n1' })).toMatchObject({ ok: false, forceable: false });
    expect(checkChange(oneDown, { kind: 'transfer', to: 'n3' })).toMatchObject({ ok: false, forceable: true });
  });
});

describe('bestTransferTarget', () => {
  it('picks the most caught-up healthy follower', () => {
    expect(bestTransferTarget(healthy)).toBe('n2');
    expect(bestTransferTarget(oneDown)).toBe('n2');
  });
});
