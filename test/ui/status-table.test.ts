import { describe, expect, it } from 'vitest';
import { buildStatusModel } from '../../src/ops/status.js';
import { palette, shouldColor } from '../../src/ui/colors.js';
import { renderStatus, renderStatusHeader } from '../../src/ui/status-table.js';
import { down, leader, member, ok } from '../ops/status-fixtures.js';

// eslint-disable-next-line no-control-regex -- the escape is what is being looked for
const ANSI = /\u001b\[/;
const plain = palette(false);

describe('renderStatus', () => {
  it('renders a header and one row per member, without colour codes when colour is off', () => {
    const model = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
    const out = renderStatus(model, plain);
    expect(out).not.toMatch(ANSI);
    const lines = out.split('\n');
    expect(lines[0]).toBe('cluster fleet · leader n1 · term 3 · quorum 2 of 3 voters · can lose 0 of 3 (1 down)');
    expect(lines[2]).toMatch(/^ID\s+ADDRESS\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+LAST\s+LAG\s+CONTACT\s+HEALTH$/);
    expect(lines[3]).toMatch(/^n1\s+127\.0\.0\.1:7781\s+leader\s+3\s+100\s+100\s+100\s+0\s+-\s+ok$/);
    expect(lines[4]).toMatch(/^n2 .* follower .* 40ms ago\s+ok$/);
    expect(lines[5]).toMatch(/^n3\s+127\.0\.0\.1:7783\s+unreachable\s+-.*unreachable: connection refused$/);
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('says when there is no quorum', () => {
    const model = buildStatusModel([ok(member('n2', { leaderId: '' })), down('127.0.0.1:7781'), down('127.0.0.1:7783')]);
    expect(renderStatusHeader(model, plain)).toBe('cluster fleet · no leader · term 3 · quorum 2 of 3 voters · NO QUORUM: 0 of 3 voters healthy, 2 needed');
  });

  it('colours roles and health when colour is on', () => {
    const model = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
    const out = renderStatus(model, palette(true));
    expect(out).toMatch(ANSI);
    // eslint-disable-next-line no-control-regex -- stripping colour codes
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderStatus(model, plain));
  });
});

describe('renderStatus with rebind plans', () => {
  it('lists each plan in progress with its progress and who started it, after the members', () => {
    const plan = { planId: 'drain-s1', startedBy: 'alice@ops-1', done: 2_500, total: 10_000, state: 'running' as const, startedAt: 1_000, updatedAt: 5_000, updatedAtIndex: 77 };
    const model = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))], {}, [plan, { ...plan, planId: 'finished', state: 'completed' }]);
    const lines = renderStatus(model, plain, 8_000).split('\n');
    const at = lines.findIndex((l) => l.startsWith('REBIND PLAN'));
    expect(lines[at]).toMatch(/^REBIND PLAN\s+STATE\s+PROGRESS\s+STARTED BY\s+LAST REPORT$/);
    expect(lines[at + 1]).toMatch(/^drain-s1\s+running\s+2,500\/10,000 \(25%\)\s+alice@ops-1\s+3\.0s ago$/);
    expect(lines).toHaveLength(at + 2);
  });

  it('adds nothing when no plan is in progress', () => {
    const model = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]);
    expect(renderStatus(model, plain)).not.toMatch(/REBIND PLAN/);
  });
});

describe('shouldColor', () => {
  it('honours NO_COLOR, FORCE_COLOR and non-TTY output', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({}, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
