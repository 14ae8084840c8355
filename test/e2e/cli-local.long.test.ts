import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { FleetClient } from '../../src/client/index.js';
import { freePorts, killProcessesMentioning, processesMentioning, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

/**
 * The local-cluster commands driven as an operator runs them: the built CLI, against real
 * detached members, with the config and data dirs in temp dirs. After every test no process
 * whose command line mentions the test's data dir may be left.
 */

let home: { path: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;
const clients: FleetClient[] = [];
const servers: Server[] = [];

beforeEach(() => {
  home = tempDir('fleet-local-');
  env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data') };
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  // Kill by pid (and fail the test): a test must not leave members behind.
  const left = killProcessesMentioning(home.path);
  home.cleanup();
  expect(left, 'processes left running by the test').toEqual([]);
});

/**
 * A server that only holds its port: whatever connects is closed at once, so that closing it
 * never waits on a connection (another test's client may find its port while it is held; a
 * server keeps a close pending until every connection has ended).
 */
function portHolder(): Server {
  return createServer((socket) => socket.destroy());
}

function fleet(...args: string[]) {
  return runCli(args, env, 90_000);
}

interface PsCluster {
  name: string;
  state: string;
  home: string;
  members: { id: string; pid: number | null; running: boolean; address: string }[];
}

async function ps(): Promise<PsCluster[]> {
  const r = await fleet('ps', '--json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { clusters: PsCluster[] }).clusters;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}

function clientOf(cluster: PsCluster, endpoints = cluster.members.map((m) => m.address)): FleetClient {
  const token = readFileSync(join(cluster.home, 'client.token'), 'utf8').trim();
  const c = new FleetClient({ endpoints, token, callTimeoutMs: 2_000, overallTimeoutMs: 20_000 });
  clients.push(c);
  return c;
}

describe('fleet init, status, down, up, destroy', () => {
  it('runs a local cluster through its whole life', async () => {
    const base = await freePorts(3);
    const init = await fleet('init', '--base-port', String(base), '--json');
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout) as { outcome: string; context: string; leader: string; elapsedMs: number; cluster: PsCluster };
    expect(created).toMatchObject({ outcome: 'created', context: 'local' });
    expect(created.cluster.members.map((m) => m.address)).toEqual([0, 1, 2].map((i) => `127.0.0.1:${base + i}`));
    const pids = created.cluster.members.map((m) => m.pid!);
    expect(pids.every(alive)).toBe(true);
    // Members run with the options and environment their memory and tail latency were measured with.
    for (const pid of pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, 1 + MEMBER_NODE_OPTIONS.length)).toEqual(MEMBER_NODE_OPTIONS);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(MEMBER_ENV)) expect(environ).toContain(`${name}=${value}`);
    }
    console.log(`fleet init --nodes 3: healthy in ${created.elapsedMs} ms`);

    // Nothing in the cwd; the data under XDG_DATA_HOME; tokens private.
    expect(created.cluster.home).toBe(join(home.path, 'data', 'fleet', 'clusters', 'local'));
    expect(statSync(join(created.cluster.home, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home.path, 'config', 'contexts.yaml'), 'utf8')).toMatch(/current: local/);

    // Again: says so, changes nothing.
    const again = await fleet('init', '--base-port', String(base));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already running/);
    expect((await ps())[0]!.members.map((m) => m.pid)).toEqual(pids);

    // The new context is current: status needs no flags.
    const status = await fleet('status', '--json');
    expect(status.code, status.stderr + status.stdout).toBe(0);
    const model = JSON.parse(status.stdout) as { leader: string | null; members: { id: string; healthy: boolean }[] };
    expect(model.leader).not.toBeNull();
    expect(model.members.map((m) => [m.id, m.healthy])).toEqual([['n1', true], ['n2', true], ['n3', true]]);

    const [cluster] = await ps();
    await clientOf(cluster!).kvPut('kept', 'across restarts');
    for (const c of clients.splice(0)) c.close();

    const down = await fleet('down', '--json');
    expect(down.code, down.stderr).toBe(0);
    const stopped = JSON.parse(down.stdout) as { leader: string; stopped: string[]; killed: string[] };
    expect([...stopped.stopped, ...stopped.killed].sort()).toEqual(['n1', 'n2', 'n3']);
    expect(pids.some(alive)).toBe(false);
    expect((await ps())[0]).toMatchObject({ state: 'stopped' });

    const up = await fleet('up');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/is healthy/);
    const [restarted] = await ps();
    expect(restarted!.state).toBe('running');
    expect((await clientOf(restarted!).kvGet('kept'))?.value).toBe('across restarts');
    for (const c of clients.splice(0)) c.close();
    const upPids = restarted!.members.map((m) => m.pid!);

    const refused = await fleet('destroy');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(upPids.every(alive)).toBe(true);

    const destroyed = await fleet('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(upPids.some(alive)).toBe(false);
    expect(existsSync(restarted!.home)).toBe(false);
    expect(await ps()).toEqual([]);
    expect(readFileSync(join(home.path, 'config', 'contexts.yaml'), 'utf8')).not.toMatch(/local:/);
  }, 240_000);
});

describe('fleet up when a member cannot start', () => {
  it('starts the members that can, names the error the other died of in this start, and stops all when no quorum is left', async () => {
    const base = await freePorts(3);
    const init = await fleet('init', '--base-port', String(base), '--json');
    expect(init.code, init.stderr).toBe(0);
    const home = (JSON.parse(init.stdout) as { cluster: PsCluster }).cluster.home;
    expect((await fleet('down')).code).toBe(0);
    // An earlier run's warning sits in n3's log: it must not be blamed.
    appendFileSync(join(home, 'logs', 'n3.log'), `${JSON.stringify({ level: 40, msg: 'an old warning from an earlier run' })}\n`);
    // n3's data is gone: as a voter it must not start again (it could vote twice in a term).
    for (const f of readdirSync(join(home, 'n3'))) rmSync(join(home, 'n3', f), { recursive: true, force: true });

    const up = await fleet('up', '--json');
    expect(up.code, up.stderr).toBe(1);
    const doc = JSON.parse(up.stdout) as { outcome: string; started: string[]; failed: { id: string; reason: string }[] };
    expect(doc).toMatchObject({ outcome: 'partial', started: ['n1', 'n2'] });
    expect(doc.failed.map((f) => f.id)).toEqual(['n3']);
    expect(doc.failed[0]!.reason).toMatch(/MemberStateLost|no Raft state|data/i);
    expect(doc.failed[0]!.reason).not.toMatch(/old warning/);
    const [running] = await ps();
    expect(running!.members.map((m) => [m.id, m.running])).toEqual([['n1', true], ['n2', true], ['n3', false]]);

    // Without a quorum it stops what it started, and only returns once they have exited.
    expect((await fleet('down')).code).toBe(0);
    for (const f of readdirSync(join(home, 'n2'))) rmSync(join(home, 'n2', f), { recursive: true, force: true });
    const noQuorum = await fleet('up');
    expect(noQuorum.code).toBe(1);
    expect(noQuorum.stderr).toMatch(/cannot make a quorum of 2/);
    const [stopped] = await ps();
    expect(stopped!.members.every((m) => !m.running)).toBe(true);
    expect(stopped!.members.every((m) => m.pid === null || !alive(m.pid))).toBe(true);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 180_000);
});

describe('fleet init --tls', () => {
  it('runs every connection over mutual TLS, and status works with no extra flags', async () => {
    const base = await freePorts(3);
    const init = await fleet('init', '--tls', '--base-port', String(base), '--json');
    expect(init.code, init.stderr + init.stdout).toBe(0);
    const created = JSON.parse(init.stdout) as { cluster: PsCluster };
    const certs = join(created.cluster.home, 'certs');
    for (const key of ['ca.key', 'operator.key', 'member-n1.key']) expect(statSync(join(certs, key)).mode & 0o777, key).toBe(0o600);
    expect(statSync(join(created.cluster.home, 'peer.secret')).mode & 0o777).toBe(0o600);

    const status = await fleet('status', '--json');
    expect(status.code, status.stderr + status.stdout).toBe(0);
    expect((JSON.parse(status.stdout) as { members: { healthy: boolean }[] }).members.map((m) => m.healthy)).toEqual([true, true, true]);
    expect(status.stderr).not.toMatch(/DEP0123|ServerName to an IP/);
    const put = await fleet('kv', 'put', 'over', 'tls');
    expect(put.code, put.stderr).toBe(0);

    // Plaintext, and TLS without a client certificate, are both refused by the members.
    const endpoint = `127.0.0.1:${base}`;
    for (const tls of [undefined, { cacert: join(certs, 'ca.crt') }]) {
      const c = new FleetClient({ endpoints: [endpoint], callTimeoutMs: 1_000, overallTimeoutMs: 2_000, ...(tls ? { tls } : {}) });
      clients.push(c);
      await expect(c.status()).rejects.toThrow();
    }
    const logs = readdirSync(join(created.cluster.home, 'logs')).map((f) => readFileSync(join(created.cluster.home, 'logs', f), 'utf8')).join('');
    expect(logs).toMatch(/"peerAuth":"mutual-tls\+peer-secret"/);
    expect(logs).not.toMatch(/DEP0123/);

    const destroyed = await fleet('destroy', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
  }, 120_000);
});

describe('fleet init when it cannot succeed', () => {
  it('reports a busy port with the process holding it, and starts nothing', async () => {
    const base = await freePorts(3);
    const srv = portHolder();
    servers.push(srv);
    await new Promise<void>((resolve) => srv.listen(base + 1, '127.0.0.1', () => resolve()));
    const r = await fleet('init', '--base-port', String(base));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`port ${base + 1} is in use by pid ${process.pid}`);
    expect(await ps()).toEqual([]);
    expect(processesMentioning(home.path)).toEqual([]);
  }, 120_000);

  it('stops what it started and exits 3 when the cluster does not become healthy in time', async () => {
    const base = await freePorts(3);
    const r = await fleet('init', '--base-port', String(base), '--timeout', '300ms');
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/fleet init local failed: not healthy after .*; stopped the 3 members it started/);
    expect(processesMentioning(home.path)).toEqual([]);
    expect(await ps()).toEqual([]);
    expect(existsSync(join(home.path, 'config', 'contexts.yaml'))).toBe(false);
    // Nothing stands in the way of trying again.
    const ok = await fleet('init', '--nodes', '1', '--base-port', String(base));
    expect(ok.code, ok.stderr).toBe(0);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 120_000);
});

describe('fleet init interrupted', () => {
  it('stops what it started on Ctrl-C and leaves no cluster behind', async () => {
    const base = await freePorts(3);
    const { child, output } = spawnCli(['init', '--base-port', String(base)], env);
    try {
      const runDir = join(home.path, 'data', 'fleet', 'clusters', 'local', 'run');
      await waitFor('the members to be started', () => (existsSync(runDir) && readdirSync(runDir).length === 3 ? true : undefined), 60_000, 10);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited, output()).toBe(1);
      expect(output()).toMatch(/fleet init local failed: interrupted \(Ctrl-C\); stopped the 3 members it started/);
      expect(processesMentioning(home.path)).toEqual([]);
      expect(await ps()).toEqual([]);
    } finally {
      await stopChild(child, 'SIGKILL');
    }
  }, 120_000);
});

describe('fleet scale', () => {
  it('grows 1 → 3 under a write load without losing an acknowledged write, then shrinks back', async () => {
    const base = await freePorts(3);
    const init = await fleet('init', '--nodes', '1', '--base-port', String(base));
    expect(init.code, init.stderr).toBe(0);
    const [single] = await ps();
    const writer = startWriter(clientOf(single!));
    await waitFor('writes before scaling', () => (writer.acked.length >= 20 ? true : undefined), 30_000);

    const scaled = await fleet('scale', '--nodes', '3', '--json');
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(JSON.parse(scaled.stdout)).toMatchObject({ outcome: 'scaled', from: 1, to: 3, added: ['n2', 'n3'], removed: [] });
    const during = writer.acked.length;
    await waitFor('writes after scaling', () => (writer.acked.length >= during + 20 ? true : undefined), 30_000);
    await writer.stop();
    expect(writer.failures).toEqual([]);

    // Every acknowledged write is on every member, the new ones included.
    const [three] = await ps();
    expect(three!.members.map((m) => [m.id, m.running])).toEqual([['n1', true], ['n2', true], ['n3', true]]);
    for (const m of three!.members) {
      const values = await readAll(clientOf(three!, [m.address]), writer.highestIndex);
      for (const i of writer.acked) expect(values.get(`k${i}`), `k${i} on ${m.id}`).toBe(`v${i}`);
    }
    // A member waits for its clients' streams to close when it stops: let go of ours first.
    for (const c of clients.splice(0)) c.close();
    const status = JSON.parse((await fleet('status', '--json')).stdout) as { quorum: { voters: number; available: boolean } };
    expect(status.quorum).toMatchObject({ voters: 3, available: true });

    const shrunk = await fleet('scale', '--nodes', '1', '--force', '--json');
    expect(shrunk.code, `${shrunk.stderr}${shrunk.stdout}`).toBe(0); // with --json a failure is on stdout
    const removed = JSON.parse(shrunk.stdout) as { to: number; removed: string[] };
    expect(removed.to).toBe(1);
    expect(removed.removed).toHaveLength(2);
    const gone = three!.members.filter((m) => removed.removed.includes(m.id)).map((m) => m.pid!);
    expect(gone.some(alive)).toBe(false);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 240_000);
});

describe('fleet scale interrupted', () => {
  it('prints the same member table as fleet status after init and up, the AUTOPILOT column included', async () => {
    const init = await fleet('init', '--base-port', String(await freePorts(3)));
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^ID +ADDRESS +ROLE .* HEALTH +AUTOPILOT$/m);
    expect((await fleet('down')).code).toBe(0);
    const up = await fleet('up');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^ID +ADDRESS +ROLE .* HEALTH +AUTOPILOT$/m);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 180_000);

  it("refuses to start a cluster whose member's metrics port is taken, naming it and its holder, and starts nothing", async () => {
    const init = await fleet('init', '--base-port', String(await freePorts(3)), '--json');
    expect(init.code, init.stderr).toBe(0);
    const ps0 = JSON.parse((await fleet('ps', '--json')).stdout) as { clusters: { members: { id: string; metricsUrl: string | null }[] }[] };
    const metricsPort = Number(new URL(ps0.clusters[0]!.members[1]!.metricsUrl!).port);
    expect((await fleet('down')).code).toBe(0);
    const holder = portHolder();
    servers.push(holder);
    await new Promise<void>((resolve) => holder.listen(metricsPort, '127.0.0.1', resolve));
    const up = await fleet('up');
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`port ${metricsPort} is in use by pid ${process.pid}`);
    expect((await ps())[0]!.members.every((m) => !m.running)).toBe(true);
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    expect((await fleet('up')).code).toBe(0);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 180_000);

  it('runs racing up and down one after the other, each reporting what it found', async () => {
    expect((await fleet('init', '--base-port', String(await freePorts(3)))).code).toBe(0);
    expect((await fleet('down')).code).toBe(0);
    // Two ups at once: one starts the members, the other finds them running; both succeed.
    const ups = await Promise.all([fleet('up', '--json'), fleet('up', '--json')]);
    for (const r of ups) expect(r.code, r.stderr).toBe(0);
    expect(ups.map((r) => (JSON.parse(r.stdout) as { outcome: string }).outcome).sort()).toEqual(['already-running', 'started']);
    expect((await ps())[0]!.members.every((m) => m.running)).toBe(true);
    // up racing down: whichever runs second decides, and its report says what it did.
    const [down, up] = await Promise.all([fleet('down', '--json'), fleet('up', '--json')]);
    expect(down.code, down.stderr).toBe(0);
    expect(up.code, up.stderr).toBe(0);
    const upOutcome = (JSON.parse(up.stdout) as { outcome: string }).outcome;
    const running = (await ps())[0]!.members.map((m) => m.running);
    // 'already-running': up went first and down stopped the members after it; 'started': down went first.
    expect(running.every((r) => r === (upOutcome === 'started'))).toBe(true);
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 180_000);

  it('is finished by running it again', async () => {
    const base = await freePorts(3);
    expect((await fleet('init', '--nodes', '1', '--base-port', String(base))).code).toBe(0);
    const manifest = join(home.path, 'data', 'fleet', 'clusters', 'local', 'cluster.json');
    const { child, output } = spawnCli(['scale', '--nodes', '3'], env);
    try {
      const joining = () => (JSON.parse(readFileSync(manifest, 'utf8')) as { members: { state: string }[] }).members.filter((m) => m.state === 'joining').length;
      await waitFor('joining members in the manifest', () => (joining() === 2 ? true : undefined), 60_000, 10);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited, output()).toBe(1);
    } finally {
      await stopChild(child, 'SIGKILL');
    }
    const again = await fleet('scale', '--nodes', '3', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ to: 3 });
    const [cluster] = await ps();
    expect(cluster!.members.map((m) => [m.id, m.running])).toEqual([['n1', true], ['n2', true], ['n3', true]]);
    const status = JSON.parse((await fleet('status', '--json')).stdout) as { quorum: { voters: number; healthyVoters: number } };
    expect(status.quorum).toMatchObject({ voters: 3, healthyVoters: 3 });
    expect((await fleet('destroy', '--yes')).code).toBe(0);
  }, 240_000);
});

interface Writer {
  readonly acked: number[];
  readonly failures: string[];
  readonly highestIndex: number;
  stop(): Promise<void>;
}

/** Writes k0, k1, … one after another, recording which were acknowledged and which failed. */
function startWriter(client: FleetClient): Writer {
  const acked: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        await client.kvPut(`k${i}`, `v${i}`);
        acked.push(i);
      } catch (err) {
        failures.push(`k${i}: ${(err as Error).message}`);
        // A refusal without a round trip must not starve the test's timers (see disk-full.test.ts).
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  })();
  return {
    acked,
    failures,
    get highestIndex() {
      return client.highestIndex;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Every k* value one member has applied by `minIndex`, read from that member. */
async function readAll(client: FleetClient, minIndex: number): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await client.kvList({ prefix: 'k', limit: 1_000, consistency: { minIndex }, ...(after === undefined ? {} : { after }) });
    for (const e of page.items) values.set(e.key, e.value);
    after = page.next;
  } while (after !== undefined);
  return values;
}
