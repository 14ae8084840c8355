import { describe, expect, it } from 'vitest';
import type { AutopilotState, MemberHealth } from '../../src/client/index.js';
import { topMembers, statusById } from '../../src/ops/top/derive.js';
import { buildStatusModel } from '../../src/ops/status.js';
import { palette } from '../../src/ui/colors.js';
import { renderStatus } from '../../src/ui/status-table.js';
import { down, leader, member, ok } from './status-fixtures.js';

const SETTINGS = { autoPromoteLearners: false, cleanupDeadMembers: true, deadAfterMs: 30_000, lastContactThresholdMs: 2_000, maxTrailingEntries: 1_000, minQuorum: 3, stabilizationMs: 10_000, preferredRegion: '' };
const h = (id: string, over: Partial<MemberHealth> = {}): MemberHealth => ({ id, voter: true, lastContactMs: 50, trailingEntries: 0, trailingMs: 0, healthy: true, stable: true, dead: false, ...over });
const AUTOPILOT: AutopilotState = {
  settings: SETTINGS,
  settingsProblem: null,
  members: [h('n1', { lastContactMs: 0 }), h('n2', { stable: false }), h('n3', { healthy: false, stable: false, dead: true, lastContactMs: 41_000 })],
  held: ['n3 is dead but stays: removing it would leave 2 voters, below the minimum quorum of 3'],
  lastAction: null,
};
const probes = [ok(leader({ autopilot: AUTOPILOT })), ok(member('n2')), down('127.0.0.1:7783')];

describe('autopilot in fleet status and fleet top', () => {
  it('carries the leader\'s verdicts into the rows, a dead member\'s problem saying so, and the settings into the model', () => {
    const m = buildStatusModel(probes);
    expect(m.autopilot).toEqual({ settings: SETTINGS, settingsProblem: null, dead: ['n3'], held: AUTOPILOT.held, lastAction: null });
    expect(m.members.find((r) => r.id === 'n2')?.autopilot).toMatchObject({ healthy: true, stable: false, dead: false });
    expect(m.members.find((r) => r.id === 'n3')).toMatchObject({ healthy: false, problem: 'dead: no contact for 41s', autopilot: { dead: true } });
    expect(m.health.reasons[0]).toBe('n3: dead: no contact for 41s');
  });

  it('shows no autopilot section without a leader that reports one', () => {
    const m = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]);
    expect(m.autopilot).toBeNull();
    expect(m.members.every((r) => r.autopilot === undefined)).toBe(true);
    expect(renderStatus(m, palette(false), 0)).not.toMatch(/autopilot/i);
  });

  it('renders the verdict column and the autopilot line', () => {
    const text = renderStatus(buildStatusModel(probes), palette(false), 0);
    expect(text).toMatch(/AUTOPILOT/);
    expect(text).toMatch(/n2 .* healthy$/m);
    expect(text).toMatch(/n3 .* dead$/m);
    expect(text).toContain('autopilot: promote learners off · cleanup dead on (after 30s, min quorum 3) · dead: n3');
    expect(text).toContain('  held: n3 is dead but stays: removing it would leave 2 voters, below the minimum quorum of 3');
  });

  it('puts a dead member\'s verdict in fleet top\'s row', () => {
    const model = buildStatusModel(probes);
    const rows = topMembers(model, statusById(probes), new Map());
    expect(rows.find((r) => r.id === 'n3')?.problem).toBe('dead: no contact for 41s');
  });
});
