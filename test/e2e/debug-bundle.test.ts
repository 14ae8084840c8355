/**
 * `fleet debug bundle` against a real local cluster with TLS: the tarball holds every member's
 * status, metrics, logs and WAL summary with a manifest, and not one secret (tokens, the peer
 * secret, a private key) in any file; with a member down it still writes, lists the problem and
 * exits 7.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, killProcessesMentioning, runCli, tempDir } from './processes.js';

const home = tempDir('fleet-bundle-');
const env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
const fleet = (...args: string[]) => runCli(args, env, 90_000);
let clusterHome: string;

beforeAll(async () => {
  const init = await fleet('init', '--tls', '--base-port', String(await freePorts(3)), '--json');
  expect(init.code, init.stderr).toBe(0);
  clusterHome = (JSON.parse(init.stdout) as { cluster: { home: string } }).cluster.home;
}, 120_000);

afterAll(() => {
  killProcessesMentioning(home.path);
  home.cleanup();
});

/** Every file of a tarball, extracted: path → text. */
function unpack(tarball: string): Map<string, string> {
  const dir = join(home.path, `x-${Date.now()}`);
  mkdirSync(dir);
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  const files = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else files.set(`${rel}${e.name}`, readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir, '');
  return files;
}

describe('fleet debug bundle', () => {
  it('gathers status, metrics, logs and WAL summaries of every member, and no secret', async () => {
    await fleet('kv', 'put', 'k', 'v');
    const out = join(home.path, 'bundle.tar.gz');
    const r = await fleet('debug', 'bundle', '--output', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { membersAnswered: number; membersAsked: number; problems: string[] };
    expect(result).toMatchObject({ membersAnswered: 3, membersAsked: 3 });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const files = unpack(out);
    for (const id of ['n1', 'n2', 'n3']) {
      for (const f of ['status.json', 'metrics.txt', 'member.log', 'wal.json', 'snapshots.json']) expect(files.has(`members/${id}/${f}`), `members/${id}/${f}`).toBe(true);
      expect(files.get(`members/${id}/metrics.txt`)).toMatch(/^fleet_raft_term \d+$/m);
      expect(JSON.parse(files.get(`members/${id}/wal.json`)!)).toMatchObject({ damage: [] });
    }
    const manifest = JSON.parse(files.get('manifest.json')!) as { files: { path: string }[] };
    expect(manifest.files.map((f) => f.path).sort()).toEqual([...files.keys()].filter((p) => p !== 'manifest.json').sort());
    expect(JSON.parse(files.get('membership.json')!).members).toHaveLength(3);

    const secrets = ['client.token', 'admin.token', 'peer.secret'].map((f) => readFileSync(join(clusterHome, f), 'utf8').trim());
    const keys = readdirSync(join(clusterHome, 'certs')).filter((f) => f.endsWith('.key')).map((f) => readFileSync(join(clusterHome, 'certs', f), 'utf8'));
    expect(keys.length).toBeGreaterThan(0);
    for (const [path, text] of files) {
      for (const s of secrets) expect(text.includes(s), `${path} holds a secret`).toBe(false);
      expect(text, path).not.toMatch(/PRIVATE KEY/);
      for (const k of keys) expect(text.includes(k.split('\n')[1]!), `${path} holds a private key's body`).toBe(false);
    }
  });

  it('with a member down, still writes the bundle, lists the problem and exits 7', async () => {
    const ps = JSON.parse((await fleet('ps', '--json')).stdout) as { clusters: { members: { id: string; pid: number }[] }[] };
    const n3 = ps.clusters[0]!.members.find((m) => m.id === 'n3')!;
    process.kill(n3.pid, 'SIGKILL');
    const out = join(home.path, 'partial.tar.gz');
    // Long enough that a loaded machine's live members answer: only the killed one may not.
    const r = await fleet('debug', 'bundle', '--output', out, '--timeout', '5s');
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toMatch(/^wrote .*partial\.tar\.gz: \d+ files, [\d,]+ bytes; 2 of 3 members answered$/m);
    expect(r.stderr).toMatch(/127\.0\.0\.1:\d+/);
    const manifest = JSON.parse(unpack(out).get('manifest.json')!) as { problems: string[] };
    expect(manifest.problems.some((p) => p.includes('metrics'))).toBe(true);
  });
});
