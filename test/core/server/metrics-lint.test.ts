import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../../src/core/node/api.js';
import { NodeMetrics } from '../../../src/core/server/metrics.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe("a member's /metrics", () => {
  // CI installs prometheus (.ci/run); elsewhere the test says why it does not run.
  it.skipIf(!promtool)('passes promtool check metrics (install prometheus to run this test)', async () => {
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
