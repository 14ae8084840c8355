/**
 * Zones end to end: the built CLI against a local cluster of five members laid out over three
 * zones (`fleet init --nodes 5 --zones a,b,c`: n1 a, n2 b, n3 c, n4 a, n5 b). `fleet status`
 * reports the tolerance per zone before and after a member is killed, with the killed member's
 * zone as the others heard it; the placement gate then refuses a voter that would put 3 of the
 * 5 voters in zone a.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import type { PreviewDocument } from '../../src/ops/safety/gate.js';
import { addressAnswers } from '../../src/ops/safety/probe.js';
import { destroyLocalCluster } from './drill-helpers.js';
import { freePort, freePorts, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

interface StatusDoc {
  leader: string | null;
  members: { id: string; zone: string | null; region: string | null; healthy: boolean }[];
  zones: { canLose: number; critical: string[]; summary: string; zones: { zone: string; voters: string[]; healthy: string[] }[] } | null;
}

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;
let clusterHome: string;
let initial: { id: string; pid: number | null; address: string }[];
const joiners: ChildProcess[] = [];

function fleet(...args: string[]) {
  return runCli(args, env, 60_000);
}

async function status(): Promise<{ code: number; doc: StatusDoc; stdout: string }> {
  const r = await fleet('status', '--json', '--timeout', '1s');
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc, stdout: r.stdout };
}

beforeAll(async () => {
  home = tempDir('fleet-zones-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  const init = await fleet('init', '--nodes', '5', '--zones', 'a,b,c', '--base-port', String(await freePorts(5)), '--json');
  expect(init.code, init.stderr).toBe(0);
  const created = (JSON.parse(init.stdout) as { cluster: { home: string; members: typeof initial } }).cluster;
  clusterHome = created.home;
  initial = created.members;
}, 120_000);

afterAll(async () => {
  try {
    for (const j of joiners) await stopChild(j, 'SIGKILL');
  } finally {
    await destroyLocalCluster(env, home);
  }
}, 120_000);

describe('a cluster over three zones', () => {
  it('reports per-zone fault tolerance before and after a member is stopped', async () => {
    const before = await waitFor('every member to answer with its zone', async () => {
      const s = await status();
      return s.code === 0 && s.doc.members.every((m) => m.zone !== null) ? s.doc : undefined;
    }, 30_000, 100);
    expect(before.members.map((m) => [m.id, m.zone, m.region])).toEqual([['n1', 'a', 'local'], ['n2', 'b', 'local'], ['n3', 'c', 'local'], ['n4', 'a', 'local'], ['n5', 'b', 'local']]);
    expect(before.zones).toMatchObject({ canLose: 1, critical: [], summary: 'survives the loss of any 1 zone' });
    const human = await runCli(['status'], { ...env, NO_COLOR: '1' });
    expect(human.stdout.split('\n')[1]).toBe('zones a: n1 n4 · b: n2 n5 · c: n3 — survives the loss of any 1 zone');
    expect(human.stdout).toMatch(/\nID\s+ADDRESS\s+ZONE\s+ROLE/);

    // Stop n3 (zone c) by the pid fleet init started it with.
    process.kill(initial.find((m) => m.id === 'n3')!.pid!, 'SIGKILL');
    const after = await waitFor('status to see n3 down', async () => {
      const s = await status();
      const n3 = s.doc.members.find((m) => m.id === 'n3');
      return s.doc.leader !== null && n3 !== undefined && !n3.healthy ? s.doc : undefined;
    }, 30_000, 100);
    // n3 no longer answers: its zone is what the others heard it announce.
    expect(after.members.find((m) => m.id === 'n3')).toMatchObject({ zone: 'c', healthy: false });
    expect(after.zones).toMatchObject({ canLose: 0, critical: ['a', 'b'], summary: 'losing zone a or b loses quorum' });
    expect(after.zones!.zones.find((z) => z.zone === 'c')).toEqual({ zone: 'c', voters: ['n3'], healthy: [] });
  }, 60_000);

  it('refuses a voter that would put 3 of 5 voters in zone a (exit 4, one line naming the zone)', async () => {
    const removed = await fleet('members', 'remove', 'n3', '--force');
    expect(removed.code, removed.stderr).toBe(0);
    const address = await startJoiner('n6', 'a');

    const r = await fleet('members', 'add', 'n6', address);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'error: refused: it puts 3 of 5 voters in zone a (n1, n4, n6): losing zone a alone would lose the quorum of 3; place the member in another zone (pass --force to accept the risk)',
    ]);
    // The zone is the only objection: the newcomer answers and five voters can lose two.
    const dry = await fleet('members', 'add', 'n6', address, '--dry-run', '--json');
    expect(dry.code).toBe(4);
    const preview = JSON.parse(dry.stdout) as PreviewDocument;
    expect(preview.problems.map((p) => p.code)).toEqual(['ZONE_MAJORITY']);
    expect(preview.after).toMatchObject({ voters: ['n1', 'n2', 'n4', 'n5', 'n6'], quorum: 3, canLose: 2 });
    // Nothing changed: n6 is not a member.
    const list = JSON.parse((await fleet('members', 'list', '--json')).stdout) as { members: { id: string; zone: string | null }[] };
    expect(list.members.map((m) => [m.id, m.zone])).toEqual([['n1', 'a'], ['n2', 'b'], ['n4', 'a'], ['n5', 'b']]);
  }, 60_000);
});

/** Starts a member that joins the cluster from `zone` (as an operator would before `members add`); resolves with its address once it answers. */
async function startJoiner(id: string, zone: string): Promise<string> {
  const address = `127.0.0.1:${await freePort()}`;
  const { child } = spawnCli(
    [
      'node', 'start', '--id', id, '--data-dir', join(home.path, 'joiners', id), '--listen', address, '--cluster', 'local', '--join', '--zone', zone,
      '--token-file', join(clusterHome, 'client.token'), '--admin-token-file', join(clusterHome, 'admin.token'), '--peer-secret-file', join(clusterHome, 'peer.secret'),
    ],
    MEMBER_ENV,
    MEMBER_NODE_OPTIONS,
  );
  joiners.push(child);
  await waitFor(`${id} to listen`, async () => ((await addressAnswers(address, 200)) ? true : undefined), 30_000);
  return address;
}
