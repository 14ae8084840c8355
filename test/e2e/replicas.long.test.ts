/**
 * Read replicas end to end: the built CLI against a local cluster of three voters over three
 * zones, and n4 started with `--read-replica` in another region, added as a learner. Autopilot
 * (promotion on, a short stabilization) finds it stable and leaves it a replica; `members
 * promote` refuses it with and without --force (exit 4); it serves a max-staleness read itself;
 * and with two of the three voters killed it never campaigns: its term stays, its role stays
 * replica, and no leader appears. The voters run in regions ra, rb, rc: setting a follower's region
 * as the preferred one moves leadership there. Last, a killed voter restarted with
 * `--read-replica` refuses to run as the voter its data says it is.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { addressAnswers } from '../../src/ops/safety/probe.js';
import { destroyLocalCluster } from './drill-helpers.js';
import { freePort, freePorts, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

interface Row {
  id: string;
  role: string;
  voter: boolean | null;
  term: number | null;
  readReplica?: boolean;
  region: string | null;
  autopilot?: { stable: boolean };
}
interface StatusDoc {
  leader: string | null;
  preferredRegion?: { region: string; leaderRegion: string | null; leaderOutside: boolean } | null;
  members: Row[];
}

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;
let clusterHome: string;
let initial: { id: string; pid: number | null; address: string }[];
let replica: { child: ChildProcess; address: string };

function fleet(...args: string[]) {
  return runCli(args, env, 60_000);
}

async function status(...extra: string[]): Promise<{ code: number; doc: StatusDoc }> {
  const r = await fleet('status', '--json', '--timeout', '1s', ...extra);
  if (!r.stdout.startsWith('{')) throw new Error(`fleet status ${extra.join(' ')} exited ${r.code} without a document: ${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc };
}

beforeAll(async () => {
  home = tempDir('fleet-replicas-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const init = await fleet('init', '--nodes', '3', '--zones', 'a,b,c', '--regions', 'ra,rb,rc', '--base-port', String(await freePorts(3)), '--json');
  expect(init.code, init.stderr).toBe(0);
  const created = (JSON.parse(init.stdout) as { cluster: { home: string; members: typeof initial } }).cluster;
  clusterHome = created.home;
  initial = created.members;
  replica = await startReplica('n4');
}, 120_000);

afterAll(async () => {
  try {
    await stopChild(replica.child, 'SIGKILL');
  } finally {
    await destroyLocalCluster(env, home);
  }
}, 120_000);

describe('a read replica', () => {
  it('is never promoted, by autopilot or an operator, and serves max-staleness reads itself', async () => {
    const set = await fleet('autopilot', 'set', '--promote-learners', 'on', '--stabilization', '1s');
    expect(set.code, set.stderr).toBe(0);
    const added = await fleet('members', 'add', 'n4', replica.address, '--learner');
    expect(added.code, added.stderr).toBe(0);

    // Autopilot judges n4 stable (it would promote any other learner now) and leaves it a replica.
    const stable = await waitFor('autopilot to find n4 stable', async () => {
      const s = await status();
      const n4 = s.doc.members.find((m) => m.id === 'n4');
      return n4?.autopilot?.stable === true ? n4 : undefined;
    }, 30_000, 200);
    expect(stable).toMatchObject({ role: 'replica', voter: false, readReplica: true, region: 'far' });
    await waitFor('two more autopilot rounds', async () => ((await status()).doc.members.find((m) => m.id === 'n4')?.voter === false ? true : undefined), 5_000, 500);
    const list = JSON.parse((await fleet('members', 'list', '--json')).stdout) as { members: { id: string; voter: boolean; readReplica: boolean }[] };
    expect(list.members.find((m) => m.id === 'n4')).toMatchObject({ voter: false, readReplica: true });
    const human = await fleet('members', 'list');
    // id, address, region, zone, kind.
    expect(human.stdout).toMatch(/\bn4\s+\S+\s+\S+\s+\S+\s+replica\b/);

    for (const force of [[], ['--force']]) {
      const promote = await fleet('members', 'promote', 'n4', ...force);
      expect(promote.code, `${promote.stdout}\n${promote.stderr}`).toBe(4);
      expect(promote.stderr).toMatch(/n4 is a read replica \(started with --read-replica\): it never votes/);
    }

    const put = await fleet('kv', 'put', 'greeting', 'hello', '--json');
    expect(put.code, put.stderr).toBe(0);
    const read = await waitFor('n4 to serve the write', async () => {
      const r = await fleet('kv', 'get', 'greeting', '--consistency', 'max-staleness:5s', '--context', 'local', '--endpoints', replica.address, '--json');
      const doc = r.code === 0 ? (JSON.parse(r.stdout) as { value: string; servedBy: string; appliedIndex: number }) : undefined;
      return doc?.value === 'hello' ? doc : undefined;
    }, 10_000, 200);
    expect(read.servedBy).toBe('n4');
  }, 90_000);

  it('hands leadership to the preferred region', async () => {
    const { doc } = await status();
    const away = doc.members.find((m) => m.voter === true && m.id !== doc.leader)!;
    const set = await fleet('autopilot', 'set', '--preferred-region', away.region!);
    expect(set.code, set.stderr).toBe(0);
    const home = await waitFor(`leadership to move to ${away.region}`, async () => {
      const s = await status();
      return s.doc.preferredRegion?.leaderOutside === false ? s.doc : undefined;
    }, 20_000, 200);
    expect(home.members.find((m) => m.id === home.leader)!.region).toBe(away.region);
    expect(home.leader).not.toBe(doc.leader);
  }, 60_000);

  it('takes no part in an election when a majority of the voters is lost', async () => {
    const before = (await status()).doc.members.find((m) => m.id === 'n4')!;
    for (const id of ['n2', 'n3']) process.kill(initial.find((m) => m.id === id)!.pid!, 'SIGKILL');
    // n1 steps down once it has lost its quorum (check-quorum); watch n4 for several election timeouts after that.
    await waitFor('n1 to step down', async () => ((await status('--context', 'local', '--endpoints', initial[0]!.address)).doc.leader === null ? true : undefined), 15_000, 200);
    const deadline = Date.now() + 4_000;
    let polls = 0;
    const failures: string[] = [];
    while (Date.now() < deadline) {
      const s = await status('--context', 'local', '--endpoints', replica.address).catch((err: unknown) => {
        failures.push(String(err));
        return undefined;
      });
      if (s === undefined) continue;
      const n4 = s.doc.members.find((m) => m.id === 'n4')!;
      expect(n4).toMatchObject({ role: 'replica', term: before.term });
      expect(s.doc.leader).toBeNull();
      polls++;
    }
    expect(polls, failures.join('\n')).toBeGreaterThan(1);
    expect(failures.length, failures.join('\n')).toBeLessThan(polls);
  }, 60_000);

  it('refuses to restart a voter as a read replica (its membership makes it a voter), saying how to fix it', async () => {
    // n3 was killed above; its data says it is a voter.
    const n3 = initial.find((m) => m.id === 'n3')!;
    const restarted = await startReplica('n3', { address: n3.address, dataDir: join(clusterHome, 'n3'), waitToListen: false });
    try {
      const code = await waitFor('n3 to exit', async () => restarted.child.exitCode ?? undefined, 30_000, 100);
      expect(code, restarted.output()).toBe(1);
    } finally {
      await stopChild(restarted.child, 'SIGKILL');
    }
    expect(restarted.output()).toContain("n3 was started with --read-replica but the cluster's membership makes it a voter: remove it (fleet members remove n3) and add it back with --learner, or start it without --read-replica");
  }, 60_000);
});

/** Starts a read replica that joins the cluster from region `far`; resolves once it answers (unless told not to wait). */
async function startReplica(id: string, at: { address?: string; dataDir?: string; waitToListen?: boolean } = {}): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const address = at.address ?? `127.0.0.1:${await freePort()}`;
  const { child, output } = spawnCli(
    [
      'node', 'start', '--id', id, '--data-dir', at.dataDir ?? join(home.path, 'replicas', id), '--listen', address, '--cluster', 'local', '--join', '--read-replica', '--region', 'far', '--zone', 'far-1',
      '--token-file', join(clusterHome, 'client.token'), '--admin-token-file', join(clusterHome, 'admin.token'), '--peer-secret-file', join(clusterHome, 'peer.secret'),
    ],
    MEMBER_ENV,
    MEMBER_NODE_OPTIONS,
  );
  if (at.waitToListen !== false) await waitFor(`${id} to listen`, async () => ((await addressAnswers(address, 200)) ? true : undefined), 30_000);
  return { child, address, output };
}
