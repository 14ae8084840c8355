import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../../src/core/node/api.js';
import { NodeMetrics } from '../../../src/core/server/metrics.js';


describe("a member's /metrics", () => {
  // npm test installs prometheus or refuses to run (scripts/system-tools.mjs).
  it('passes promtool check metrics', async () => {
    const metrics = new NodeMetrics(() => ({}) as MemberStatus);
    metrics.countPeerRejections({ counts: new Map([['bad-signature', 2]]) });
    const text = await metrics.registry.metrics().catch(() => '');
    expect(text).toMatch(/fleet_process_nodejs_active_handles /);
    expect(text).toMatch(/fleet_peer_rejected_total\{reason="bad-signature"\} 2/);
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`.trim()).toBe('');
    expect(out.status).toBe(0);
  });
});
