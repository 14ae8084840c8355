import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../../src/core/node/api.js';
import { COUNTED_LIMITS, LimitRefusals } from '../../../src/core/server/guard/limit-refusals.js';
import { NodeMetrics } from '../../../src/core/server/metrics.js';


describe("a member's /metrics", () => {
  // npm test installs prometheus or refuses to run (scripts/system-tools.mjs).
  it('passes promtool check metrics', async () => {
    const metrics = new NodeMetrics(() => ({}) as MemberStatus);
    metrics.countPeerRejections({ counts: new Map([['bad-signature', 2]]) });
    const limits = new LimitRefusals();
    limits.refused('etcd-txn-ops');
    metrics.countLimitRefusals(limits);
    const text = await metrics.registry.metrics().catch(() => '');
    expect(text).toMatch(/fleet_process_nodejs_active_handles /);
    expect(text).toMatch(/fleet_peer_rejected_total\{reason="bad-signature"\} 2/);
    expect(text).toMatch(/^fleet_limit_refusals_total\{limit="etcd-txn-ops"\} 1$/m);
    // Every limit from 0: a rate or an alert sees the series before the first refusal.
    for (const limit of COUNTED_LIMITS) expect(text).toMatch(new RegExp(`^fleet_limit_refusals_total\\{limit="${limit}"\\} \\d+$`, 'm'));
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`.trim()).toBe('');
    expect(out.status).toBe(0);
  });
});
