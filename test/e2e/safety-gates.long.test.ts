/**
 * The safety gates, driven as an operator meets them: the built CLI against one local cluster
 * (`fleet init`, three members, temp XDG dirs), shared by every test here. Each refusal exits 4
 * with a one-line reason and the preview and changes nothing; each --force path changes what it
 * says; each --dry-run prints the preview (human and JSON) and changes nothing; `fleet status`
 * exits 0 healthy, 7 degraded, 3 without a quorum. Tests leave the cluster as they found it:
 * three healthy voters.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { FleetClient } from '../../src/client/index.js';
import type { PreviewDocument } from '../../src/ops/safety/gate.js';
import { addressAnswers } from '../../src/ops/safety/probe.js';
import { processesUnder } from './drill-helpers.js';
import { freePort, freePorts, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;
let clusterHome: string;
/** The members `fleet init` started, with their pids (scale's n4 comes and goes; these stay). */
let initial: PsMember[];
/** For setting up and checking registry state without a CLI process each time (the CLI is what is tested). */
let admin: FleetClient;
const joiners: ChildProcess[] = [];

interface StatusDoc {
  leader: string | null;
  health: { state: string; reasons: string[] };
  quorum: { voters: number; healthyVoters: number; failureTolerance: number; available: boolean };
  members: { id: string; healthy: boolean; voter: boolean | null }[];
}
interface PsMember {
  id: string;
  pid: number | null;
  address: string;
}

function fleet(...args: string[]) {
  return runCli(args, env, 150_000);
}

/** Runs the CLI with --json, expecting `code`; the parsed document. */
async function doc<T>(code: number, ...args: string[]): Promise<T> {
  const r = await fleet(...args, '--json');
  expect(r.code, `fleet ${args.join(' ')} --json\n${r.stdout}\n${r.stderr}`).toBe(code);
  return JSON.parse(r.stdout) as T;
}

/** A refusal: exit 4, one `error: refused: …` line on stderr, the preview on stdout. */
async function refused(reason: RegExp, ...args: string[]): Promise<void> {
  const r = await fleet(...args);
  expect(r.code, `fleet ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(4);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: refused: /);
  expect(lines[0]).toMatch(reason);
  expect(r.stdout).toMatch(/^change: /);
  expect(r.stdout).toMatch(/\nverdict: refused: /);
}

async function members(): Promise<string[]> {
  const view = await admin.listMembers();
  return view.members.map((m) => `${m.id}:${m.voter ? 'voter' : 'learner'}`).sort();
}

async function status(timeout = '1s'): Promise<{ code: number; doc: StatusDoc; stderr: string }> {
  const r = await fleet('status', '--json', '--timeout', timeout);
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc, stderr: r.stderr };
}

/** Until every member is healthy (exit 0): after a fault, or a change, before the next test. */
function healthy(): Promise<StatusDoc> {
  return waitFor('a healthy cluster', async () => {
    const s = await status();
    return s.code === 0 ? s.doc : undefined;
  }, 30_000, 100);
}

/** Starts a member that joins the cluster (as an operator would before `members add`); resolves with its address once it answers. */
async function startJoiner(id: string): Promise<string> {
  const address = `127.0.0.1:${await freePort()}`;
  const { child } = spawnCli(
    [
      'node', 'start', '--id', id, '--data-dir', join(home.path, 'joiners', id), '--listen', address, '--cluster', 'local', '--join',
      '--heartbeat', '100ms', '--election-timeout', '500ms',
      '--token-file', join(clusterHome, 'client.token'), '--admin-token-file', join(clusterHome, 'admin.token'), '--peer-secret-file', join(clusterHome, 'peer.secret'),
    ],
    MEMBER_ENV,
    MEMBER_NODE_OPTIONS,
  );
  joiners.push(child);
  await waitFor(`${id} to listen`, async () => ((await addressAnswers(address, 200)) ? true : undefined), 30_000);
  return address;
}

beforeAll(async () => {
  home = tempDir('fleet-gates-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const init = await fleet('init', '--base-port', String(await freePorts(3)), '--json');
  expect(init.code, init.stderr).toBe(0);
  const created = (JSON.parse(init.stdout) as { cluster: { home: string; members: PsMember[] } }).cluster;
  clusterHome = created.home;
  initial = created.members;
  const token = readFileSync(join(clusterHome, 'admin.token'), 'utf8').trim();
  admin = new FleetClient({ endpoints: initial.map((m) => m.address), token, callTimeoutMs: 2_000, overallTimeoutMs: 20_000 });
  await healthy();
}, 120_000);

afterAll(async () => {
  admin?.close();
  try {
    for (const j of joiners) await stopChild(j, 'SIGKILL');
    const destroyed = await runCli(['destroy', '--yes'], env, 60_000);
    expect(destroyed.code, destroyed.stderr).toBe(0);
  } finally {
    // Whatever happened above: no member outlives the tests.
    const left = processesUnder([home.path]);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    home.cleanup();
  }
}, 120_000);

describe('fleet status exit codes', () => {
  it('exits 0 healthy, 7 degraded (a member down), 3 without a quorum; the same state in --json, on both entry points', async () => {
    const ok = await status();
    expect(ok.code).toBe(0);
    expect(ok.doc.health).toEqual({ state: 'healthy', reasons: [] });
    const oclif = await runCli(['status', '--json'], { ...env, FLEET_NO_FAST_PATH: '1' });
    expect(oclif.code).toBe(0);

    const leader = ok.doc.leader!;
    const [a, b] = initial.filter((m) => m.id !== leader);
    process.kill(a!.pid!, 'SIGSTOP');
    try {
      const degraded = await waitFor('status to exit 7', async () => {
        const s = await status();
        return s.code === 7 ? s : undefined;
      }, 30_000, 100);
      expect(degraded.doc.health.state).toBe('degraded');
      expect(degraded.doc.health.reasons).toEqual([`${a!.id}: unreachable: timed out`, 'can lose no voter: 2 healthy of 3, quorum 2']);
      for (const path of [env, { ...env, FLEET_NO_FAST_PATH: '1' }]) {
        const human = await runCli(['status', '--timeout', '1s'], path);
        expect(human.code).toBe(7);
        expect(human.stdout).toMatch(/can lose 0 of 3 \(1 down\)/);
        expect(human.stderr.trimEnd()).toBe(`warning: degraded: ${a!.id}: unreachable: timed out; can lose no voter: 2 healthy of 3, quorum 2`);
      }

      // While a member is down: what needs it, or what would cost the quorum, is refused.
      await refused(new RegExp(`${a!.id} does not answer .*the transfer would time out`), 'leader', 'transfer', '--to', a!.id, '--timeout', '1s');
      await refused(/the fault would leave 1 of 3 voters healthy, below the quorum of 2/, 'drill', 'kill-leader', '--timeout', '1s');
      await refused(new RegExp(`${a!.id} does not answer .*already down`), 'drill', 'kill-follower', '--target', a!.id, '--timeout', '1s');
      expect((await status()).doc.leader).toBe(leader);

      process.kill(b!.pid!, 'SIGSTOP');
      try {
        const down = await waitFor('status to exit 3', async () => {
          const s = await status();
          return s.code === 3 ? s : undefined;
        }, 30_000, 100);
        expect(down.doc.health.state).toBe('unavailable');
        // The leader that lost its quorum steps down, after which it is not healthy either.
        expect(down.doc.health.reasons[0]).toMatch(/^no quorum: [01] of 3 voters healthy, 2 needed/);
        // Nothing can commit: refused as unavailable (exit 3), even forced.
        const r = await fleet('members', 'remove', a!.id, '--force', '--timeout', '1s');
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/^error: refused: the cluster has no quorum/);
      } finally {
        process.kill(b!.pid!, 'SIGCONT');
      }
    } finally {
      process.kill(a!.pid!, 'SIGCONT');
    }
    await healthy();
    expect(await members()).toEqual(['n1:voter', 'n2:voter', 'n3:voter']);
  }, 120_000);
});

describe('membership and leadership', () => {
  it('refuses removals that leave no tolerance and an even count, unreachable new voters and wrong addresses; --dry-run shows it', async () => {
    const { leader } = await healthy();
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leader)!;
    await refused(/^error: refused: it leaves a cluster that can lose no voter .*; it leaves 2 voters, an even number.* \(pass --force to accept the risk\)$/, 'members', 'remove', follower);
    const dry = await fleet('members', 'remove', follower, '--dry-run');
    expect(dry.code).toBe(4);
    expect(dry.stdout).toMatch(new RegExp(`^change: remove ${follower} \\(voter\\)`));
    expect(dry.stdout).toMatch(/^can lose\s+1\s+0$/m);
    expect(dry.stdout).toMatch(/^verdict: would be refused: /m);
    const json = await doc<PreviewDocument>(4, 'members', 'remove', follower, '--dry-run');
    expect(json).toMatchObject({ dryRun: true, verdict: 'refuse', before: { voters: ['n1', 'n2', 'n3'], quorum: 2, canLose: 1 }, after: { quorum: 2, canLose: 0 } });
    expect(json.after.voters).toHaveLength(2);
    expect(json.problems.map((p) => p.code)).toEqual(['NO_FAULT_TOLERANCE', 'EVEN_VOTERS']);

    const nowhere = `127.0.0.1:${await freePort()}`;
    await refused(new RegExp(`m9 at ${nowhere} does not answer \\(connection refused\\): start it first`), 'members', 'add', 'm9', nowhere);
    const n1 = initial.find((m) => m.id === 'n1')!;
    const wrong = await fleet('members', 'add', 'm9', n1.address, '--force');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr.trimEnd()).toBe(`error: refused: ${n1.address} answers as n1, not m9`);
    await refused(/n2 is already a voter/, 'members', 'promote', 'n2');
    expect(await members()).toEqual(['n1:voter', 'n2:voter', 'n3:voter']);

    const transfer = await doc<PreviewDocument>(0, 'leader', 'transfer', '--to', follower, '--dry-run');
    expect(transfer).toMatchObject({ verdict: 'proceed', before: { leader }, after: { leader: follower }, members: [{ id: leader, part: 'leader' }, { id: follower, part: 'new leader', reachable: true, caughtUp: true }] });
    expect((await status()).doc.leader).toBe(leader);
  }, 120_000);

  it('adds voters through learners (forced past an even count), removes the leader after a hand-off, and back to three', async () => {
    const m4 = await startJoiner('m4');
    await refused(/it leaves 4 voters, an even number/, 'members', 'add', 'm4', m4);
    expect(await members()).toEqual(['n1:voter', 'n2:voter', 'n3:voter']);
    const added = await doc<{ as: string; caughtUpMs: number; members: { id: string; voter: boolean }[] }>(0, 'members', 'add', 'm4', m4, '--force');
    expect(added.as).toBe('voter');
    expect(added.members.find((m) => m.id === 'm4')).toMatchObject({ voter: true });

    // Four to five voters: odd again, nothing to force.
    const m5 = await startJoiner('m5');
    const human = await fleet('members', 'add', 'm5', m5);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^added m5 \(127\.0\.0\.1:\d+\) as a learner, caught up in .*, promoted to voter$/m);
    expect(await members()).toEqual(['m4:voter', 'm5:voter', 'n1:voter', 'n2:voter', 'n3:voter']);

    // Removing the leader hands leadership on first; five to four voters needs --force.
    expect((await doc<{ to: string }>(0, 'leader', 'transfer', '--to', 'm5')).to).toBe('m5');
    await refused(/it leaves 4 voters, an even number/, 'members', 'remove', 'm5');
    const plan = await doc<PreviewDocument>(4, 'members', 'remove', 'm5', '--dry-run');
    expect(plan.steps[0]).toMatch(/^hand leadership from m5 to (n\d|m4)$/);
    const removed = await doc<{ handedOffTo: string; leader: string }>(0, 'members', 'remove', 'm5', '--force');
    expect(removed.handedOffTo).toMatch(/^(n\d|m4)$/);
    expect(await members()).toEqual(['m4:voter', 'n1:voter', 'n2:voter', 'n3:voter']);
    expect((await doc<{ changed: string }>(0, 'members', 'remove', 'm4')).changed).toBe('m4');
    for (const j of joiners.splice(0)) await stopChild(j, 'SIGKILL');
    // The members the context names: healthy again, whoever leads.
    const after = await healthy();
    expect(after.quorum).toMatchObject({ voters: 3, healthyVoters: 3 });
    if (!['n1', 'n2', 'n3'].includes(after.leader!)) throw new Error(`leader ${after.leader}`);
  }, 180_000);
});

describe('fleet scale', () => {
  it('refuses an even size and a size that can lose nothing, previews a safe one, and grows to four forced', async () => {
    await healthy();
    await refused(/it leaves 4 voters, an even number/, 'scale', '--nodes', '4');
    await refused(/it leaves a cluster that can lose no voter \(1 healthy of 1, quorum 1; it can lose 1 now\)/, 'scale', '--nodes', '1');
    const dry = await fleet('scale', '--nodes', '5', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^change: resize from 3 to 5 voters \(add n4, n5\)/);
    expect(dry.stdout).toMatch(/^verdict: would proceed$/m);
    const json = await doc<PreviewDocument>(0, 'scale', '--nodes', '5', '--dry-run');
    expect(json).toMatchObject({ verdict: 'proceed', after: { voters: ['n1', 'n2', 'n3', 'n4', 'n5'], quorum: 3, canLose: 2 } });
    expect(await members()).toEqual(['n1:voter', 'n2:voter', 'n3:voter']);

    // Each step's deadline doubled from the default 60 s: growing took 73 s once on a loaded machine.
    const forced = await fleet('scale', '--nodes', '4', '--force', '--json', '--timeout', '120s');
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ outcome: 'scaled', from: 3, to: 4, added: ['n4'] });
    const back = await doc<{ outcome: string; removed: string[] }>(0, 'scale', '--nodes', '3', '--timeout', '120s');
    expect(back).toMatchObject({ outcome: 'scaled', removed: ['n4'] });
    expect((await healthy()).quorum).toMatchObject({ voters: 3, healthyVoters: 3 });
  }, 360_000);
});

describe('drills', () => {
  it('previews a drill: whom it faults and what the cluster could still lose meanwhile', async () => {
    const { leader } = await healthy();
    const dry = await doc<PreviewDocument>(0, 'drill', 'kill-leader', '--dry-run');
    expect(dry).toMatchObject({ verdict: 'proceed', members: [{ id: leader, part: 'fault target' }], during: { healthyVoters: 2, canLose: 0, leader: null }, after: { canLose: 1 } });
    expect(dry.notes).toEqual(['while the fault lasts the cluster survives no further failure']);
    const human = await fleet('drill', 'rolling-restart', '--dry-run');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^change: drill rolling-restart: fault n1, n2, n3, one at a time$/m);
    expect(human.stdout).toMatch(/^\s+BEFORE\s+DURING THE FAULT\s+AFTER$/m);
    expect((await status()).doc.leader).toBe(leader);
  }, 60_000);
});

describe('registry changes and bulk deletes', () => {
  it('gates a domain move, previews unbinds and plans, and asks --yes of prunes, shard removals and kv deletes by prefix', async () => {
    await healthy();
    for (const id of ['s1', 's2']) await admin.registerShard({ id, address: `10.0.0.${id.slice(1)}:443`, region: 'r', zone: 'z', capacity: 100 });
    for (const c of ['c1', 'c2', 'c3']) await admin.contact(c, 's1');
    const shardOf = async (c: string) => (await admin.getCluster(c))?.shard;

    // A domain assignment that moves it is refused without --force.
    expect((await fleet('domains', 'assign', 'zone=a', '--shard', 's1')).code).toBe(0);
    const domainShard = async () => (await admin.listDomains()).find((d) => d.key === 'zone' && d.value === 'a')?.shard;
    await refused(/zone=a is assigned to s1: assigning it to s2 moves it/, 'domains', 'assign', 'zone=a', '--shard', 's2');
    const moveDry = await doc<PreviewDocument>(4, 'domains', 'assign', 'zone=a', '--shard', 's2', '--dry-run');
    expect(moveDry.records).toEqual({ action: 'move', count: 1, what: 'domains', sample: ['zone=a: s1 → s2'] });
    expect(await domainShard()).toBe('s1');
    expect((await doc<{ previousShard: string }>(0, 'domains', 'assign', 'zone=a', '--shard', 's2', '--force')).previousShard).toBe('s1');

    const unbind = await doc<PreviewDocument>(0, 'clusters', 'unbind', 'c3', '--dry-run');
    expect(unbind.records).toEqual({ action: 'unbind', count: 1, what: 'clusters', sample: ['c3 from s1'] });
    expect(await shardOf('c3')).toBe('s1');

    const planFile = join(home.path, 'drain-s1.json');
    expect((await fleet('rebind', 'plan', 'generate', '--drain', 's1', '--to', 's2', '-o', planFile)).code).toBe(0);
    const planDry = await doc<{ ok: boolean; preview: PreviewDocument }>(0, 'rebind', 'plan', 'apply', planFile, '--dry-run');
    expect(planDry.preview).toMatchObject({ dryRun: true, verdict: 'proceed', records: { action: 'move', count: 3, what: 'clusters' }, before: { canLose: 1 } });
    expect(await shardOf('c1')).toBe('s1');

    // shards remove --force: how many it unbinds, and --yes where no terminal can confirm.
    const noYes = await fleet('shards', 'remove', 's1', '--force');
    expect(noYes.code).toBe(2);
    expect(noYes.stderr.trimEnd()).toBe('error: remove shard s1 and unbind 3 clusters, unassign 0 domains, drop 0 quota slices needs a confirmation, and stdin is not a terminal to ask on (pass --yes to confirm, --dry-run to see what it would remove)');
    const shardDry = await doc<PreviewDocument>(0, 'shards', 'remove', 's1', '--force', '--dry-run');
    expect(shardDry.records).toMatchObject({ action: 'unbind', count: 3, sample: ['c1', 'c2', 'c3'] });
    expect(await admin.getShard('s1')).toMatchObject({ boundClusters: 3 });
    expect(await doc<{ unboundClusters: number }>(0, 'shards', 'remove', 's1', '--force', '--yes')).toMatchObject({ unboundClusters: 3 });

    // clusters prune: counted, named, and --yes.
    const prune = await fleet('clusters', 'prune', '--stale', '1ms');
    expect(prune.code).toBe(2);
    expect(prune.stderr).toMatch(/^error: prune 3 clusters not seen for 1ms needs a confirmation, and stdin is not a terminal to ask on \(pass --yes/);
    const pruneHuman = await fleet('clusters', 'prune', '--stale', '1ms', '--dry-run');
    expect(pruneHuman.code).toBe(0);
    expect(pruneHuman.stdout).toMatch(/^records: remove 3 clusters \(c1, c2, c3\)$/m);
    expect((await doc<PreviewDocument>(0, 'clusters', 'prune', '--stale', '1ms', '--dry-run')).records).toMatchObject({ count: 3 });
    expect((await admin.listClusters()).items).toHaveLength(3);
    expect((await doc<{ pruned: number }>(0, 'clusters', 'prune', '--stale', '1ms', '--yes')).pruned).toBe(3);

    // kv deletes by prefix.
    for (const k of ['tmp/1', 'tmp/2', 'tmp/3', 'keep/1']) await admin.kvPut(k, 'v');
    const kvNoYes = await fleet('kv', 'del', '--prefix', 'tmp/');
    expect(kvNoYes.code).toBe(2);
    expect(kvNoYes.stderr).toMatch(/^error: delete 3 kv keys under "tmp\/" needs a confirmation.*--yes/);
    expect((await doc<PreviewDocument>(0, 'kv', 'del', '--prefix', 'tmp/', '--dry-run')).records).toEqual({ action: 'remove', count: 3, what: 'kv keys', sample: ['tmp/1', 'tmp/2', 'tmp/3'] });
    expect(await doc<{ deleted: number }>(0, 'kv', 'del', '--prefix', 'tmp/', '--yes')).toMatchObject({ prefix: 'tmp/', deleted: 3, missing: 0 });
    expect((await admin.kvList()).items.map((e) => e.key)).toEqual(['keep/1']);
  }, 180_000);
});

describe('fleet snapshot restore', () => {
  it('previews the restore, refuses a live address unless forced and a data dir with data even forced', async () => {
    const file = join(home.path, 'backup.snap');
    expect((await fleet('snapshot', 'save', file)).code).toBe(0);
    const dataDir = join(home.path, 'restored');
    const dry = await doc<PreviewDocument>(0, 'snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--dry-run');
    expect(dry).toMatchObject({ verdict: 'proceed', before: { voters: ['n1', 'n2', 'n3'], canLose: 1 }, after: { voters: ['r1'], canLose: 0, leader: 'r1' } });
    expect(existsSync(dataDir)).toBe(false);

    const live = initial[0]!.address;
    await refused(new RegExp(`something answers at ${live}`), 'snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--listen', live);
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
    const forced = await doc<{ index: number; startCommand: string }>(0, 'snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--listen', live, '--force');
    expect(forced.startCommand).toContain(`--listen ${live}`);
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);

    const again = await fleet('snapshot', 'restore', file, '--data-dir', dataDir, '--id', 'r1', '--force');
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^error: refused: .*restored is not empty: restore only into a new data dir/);
  }, 60_000);
});
