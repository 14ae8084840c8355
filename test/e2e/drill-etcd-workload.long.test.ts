import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdClient } from '../../src/client/etcd/index.js';
import { checkLinearizable, parseJsonLines } from '../../src/ops/history/index.js';
import { drillCluster, fast, type DrillCluster } from './drill-helpers.js';
import { tempDir } from './processes.js';

/**
 * `fleet drill kill-leader --workload etcd` (issue 36): the recorded workload speaks etcd's KV API
 * to fleet's own members (the API every member serves beside fleet.v1), while the drill kills
 * the leader; the history must be linearizable and nothing acknowledged lost. The members
 * require a token, which the etcd workload presents as fleet.v1's calls do.
 */
const TOKEN = 'drill-etcd-token';
let current: DrillCluster | undefined;

afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('fleet drill kill-leader --workload etcd', () => {
  it('passes on fleet members through their etcd API: a new leader, nothing lost, the history linearizable', async () => {
    current = await drillCluster({ token: TOKEN });
    const files = tempDir('fleet-drill-etcd-history-');
    const historyFile = join(files.path, 'history.jsonl');
    const { code, report, stderr } = await current.drill('kill-leader', [...current.target(), '--token', TOKEN, '--workload', 'etcd', ...fast({ '--history': historyFile })]);
    const history = parseJsonLines(readFileSync(historyFile, 'utf8'));
    files.cleanup();
    expect(report.verdict, `${report.reason}\n${stderr}`).toBe('pass');
    expect(code).toBe(0);
    expect(checkLinearizable(history).ok).toBe(true);
    const [round] = report.rounds;
    expect(round).toMatchObject({ lost: 0, duplicated: 0, linearizable: true });
    expect(round!.acknowledged).toBeGreaterThan(0);
    expect(round!.newLeader).not.toBe(round!.oldLeader);

    // The registers lived in the etcd keyspace, not fleet's KV (the drill deletes them when it
    // passes): every acknowledged write and every delete moved etcd's revision on each member.
    const etcd = new EtcdClient({ endpoints: current.cluster.endpoints, bearerToken: TOKEN, callTimeoutMs: 5_000 });
    try {
      for (const endpoint of current.cluster.endpoints) expect((await etcd.status(endpoint)).revision).toBeGreaterThan(round!.acknowledged);
    } finally {
      etcd.close();
    }
  }, 240_000);
});
