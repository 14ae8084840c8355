/**
 * Two Python clients of etcd that nobody here wrote, each running one script unchanged against a
 * real etcd 3.4 cluster (the control, first) and against fleet (issue 58):
 *
 * - python3-etcd3gw, OpenStack's client of etcd's HTTP/JSON gateway (tooz uses it), through a
 *   member's client port: KV, transactions, leases, its lock recipe, watches
 *   (test/e2e/outsider/etcd3gw_check.py);
 * - python3-etcd3, a gRPC client, over mutual TLS and logged in with a user and password: on
 *   etcd with client-cert-auth and auth enabled (user root), on a `fleet init --tls` cluster
 *   with a user name and the cluster's client token as the password
 *   (test/e2e/outsider/etcd3_check.py).
 *
 * Debian's /usr/bin/python3 runs them, where the packages are (npm test installs them:
 * scripts/system-tools.mjs), not a python3 earlier on PATH. Every process is started here and
 * stopped by pid; a failure prints the script's report (for etcd3gw, the HTTP exchanges).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { createAuthority, createMemberCert, createOperatorCert } from '../../src/ops/local-cluster/certs.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { freePorts, killProcessesMentioning, runCli, runProgram, tempDir, waitFor, type ProgramResult } from './processes.js';

const etcd = requireEtcd();
/** Debian's interpreter, where python3-etcd3gw and python3-etcd3 are installed. */
const PYTHON = '/usr/bin/python3';
const OUTSIDER = join(import.meta.dirname, 'outsider');

/** Runs one of the scripts; its whole output is the failure message. */
async function runScript(script: string, args: readonly string[]): Promise<ProgramResult> {
  const r = await runProgram(PYTHON, [join(OUTSIDER, script), ...args], { timeoutMs: 120_000 });
  expect(r.code, `${script} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** The checks a script reported passing (its last line). */
function passed(r: ProgramResult): string[] {
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { passed: string[] }).passed;
}

describe('python3-etcd3gw through the HTTP/JSON gateway', () => {
  let control: string[] = [];

  it('passes its script against etcd 3.4 (the control)', async () => {
    const cluster = await EtcdCluster.start(3);
    try {
      control = passed(await runScript('etcd3gw_check.py', ['--endpoint', cluster.endpoints[1]!]));
    } finally {
      await cluster.stop();
    }
    expect(control).toContain('check_watch_idle');
  }, 180_000);

  it('passes the same script against fleet, through a follower', async () => {
    const fleet = await TestCluster.start({ size: 3 });
    try {
      const leader = await fleet.waitForLeader();
      const follower = fleet.members.find((m) => m.id !== leader)!;
      expect(passed(await runScript('etcd3gw_check.py', ['--endpoint', `127.0.0.1:${follower.port}`]))).toEqual(control);
    } finally {
      await fleet.destroy();
    }
  }, 180_000);
});

describe('python3-etcd3 over mutual TLS with a user and password', () => {
  const dirs = tempDir('fleet-python-etcd3-');
  afterAll(() => {
    const left = killProcessesMentioning(dirs.path);
    dirs.cleanup();
    expect(left, 'processes left running').toEqual([]);
  });
  let control: string[] = [];

  it('passes its script against etcd 3.4 with client-cert-auth and auth enabled (the control)', async () => {
    const certs = join(dirs.path, 'etcd-certs');
    mkdirSync(certs);
    const ca = await createAuthority(certs, 'etcd-control');
    const tls = { ca: ca.files.cert, server: await createMemberCert(ca, certs, 'etcd', '127.0.0.1'), client: await createOperatorCert(ca, certs) };
    const cluster = await EtcdCluster.start(3, etcd.etcd, 3, { tls });
    try {
      const endpoint = cluster.endpoints[1]!;
      const ctl = (...args: string[]) => runEtcdctl(etcd.etcdctl, [`--endpoints=https://${endpoint}`, `--cacert=${tls.ca}`, `--cert=${tls.client.cert}`, `--key=${tls.client.key}`, ...args]);
      for (const args of [['user', 'add', 'root', '--new-user-password=root-secret'], ['auth', 'enable']]) {
        const r = await ctl(...args);
        expect(r.code, r.out).toBe(0);
      }
      const args = ['--endpoint', endpoint, '--ca', tls.ca, '--cert', tls.client.cert, '--key', tls.client.key, '--user', 'root', '--password', 'root-secret'];
      control = passed(await runScript('etcd3_check.py', args));
    } finally {
      await cluster.stop();
    }
    expect(control).toContain('wrong_password');
  }, 180_000);

  it('passes the same script against a `fleet init --tls` cluster, the client token as the password', async () => {
    const env = { FLEET_CONFIG_DIR: join(dirs.path, 'config'), XDG_DATA_HOME: join(dirs.path, 'data'), FLEET_CONTEXT: '', FLEET_ENDPOINTS: '', FLEET_TOKEN: '' };
    const base = await freePorts(3);
    const init = await runCli(['init', '--tls', '--name', 'python-etcd3', '--base-port', String(base), '--json'], env, 90_000);
    expect(init.code, init.stderr + init.stdout).toBe(0);
    try {
      const home = (JSON.parse(init.stdout) as { cluster: { home: string } }).cluster.home;
      const certs = join(home, 'certs');
      const token = readFileSync(join(home, 'client.token'), 'utf8').trim();
      const [ca, cert, key] = [join(certs, 'ca.crt'), join(certs, 'operator.crt'), join(certs, 'operator.key')];
      const endpoint = `127.0.0.1:${base + 1}`;
      // Members just started on a busy machine may still change leaders, and the library retries nothing.
      const ctl = [`--endpoints=https://${endpoint}`, `--cacert=${ca}`, `--cert=${cert}`, `--key=${key}`, '--user', 'app', `--password=${token}`];
      await waitFor('a put through the member', async () => (await runEtcdctl(etcd.etcdctl, [...ctl, 'put', 'steady', 'yes'])).code === 0 || undefined, 30_000, 500);
      // A token may begin with '-', which argparse takes for an option unless it is joined to its flag.
      const args = ['--endpoint', endpoint, '--ca', ca, '--cert', cert, '--key', key, '--user', 'app', `--password=${token}`];
      expect(passed(await runScript('etcd3_check.py', args))).toEqual(control);
    } finally {
      const destroyed = await runCli(['destroy', '--name', 'python-etcd3', '--yes'], env, 60_000);
      expect(destroyed.code, destroyed.stderr).toBe(0);
    }
  }, 180_000);
});

