/**
 * `fleet version --cluster` against real members: each member's version as it reports it, and
 * the cluster's, which the leader records in the log once every member announced its own.
 */
import { readFileSync } from 'node:fs';
import { DATA_FORMAT } from '../../src/core/server/data-format.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterVersionInfo } from '../../src/commands/version.js';
import { TestCluster } from './cluster.js';
import { runCli, waitFor } from './processes.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
  await cluster.waitForLeader();
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
});

describe('fleet version --cluster', () => {
  it("shows every member's version and the cluster's, agreed through the log", async () => {
    const at = ['--endpoints', cluster.endpoints.join(',')];
    const info = await waitFor('the cluster version to be agreed', async () => {
      const r = await runCli(['version', '--cluster', '--json', ...at]);
      const doc = JSON.parse(r.stdout) as ClusterVersionInfo;
      return doc.cluster !== null ? doc : undefined;
    }, 20_000);
    expect(info.cluster).toEqual({ version, dataFormat: DATA_FORMAT });
    expect(info.members.map((m) => [m.id, m.version])).toEqual([['n1', version], ['n2', version], ['n3', version]]);
    expect(info.mixed).toBe(false);
    // Every member applied it: the followers report it too.
    for (const m of cluster.members) expect((await cluster.client().status(`127.0.0.1:${m.port}`)).clusterVersion).toMatchObject({ version, dataFormat: DATA_FORMAT });
    // Every member's announcement reached the leader (followers hear only from whoever leads or campaigns).
    const leaderId = await cluster.waitForLeader();
    const members = (await cluster.client().status(`127.0.0.1:${cluster.members.find((m) => m.id === leaderId)!.port}`)).members;
    expect(members.map((m) => m.version)).toEqual([version, version, version]);
    const text = await runCli(['version', '--cluster', ...at]);
    expect(text.stdout).toMatch(new RegExp(`^fleet ${version.replaceAll('.', '\\.')} \\(protocol fleet\\.v1`));
    expect(text.stdout).toMatch(new RegExp(`n2\\s+127\\.0\\.0\\.1:\\d+\\s+${version.replaceAll('.', '\\.')}`));
    expect(text.stdout).toContain(`cluster version ${version} (data format ${DATA_FORMAT})`);
  });

  it('without a reachable member, --cluster fails with the usual unavailable exit', async () => {
    const r = await runCli(['version', '--cluster', '--endpoints', '127.0.0.1:1', '--timeout', '1s']);
    expect(r.code).toBe(3);
    expect((await runCli(['version'])).code).toBe(0);
  });
});
