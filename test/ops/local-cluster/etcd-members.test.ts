import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../../src/common/errors.js';
import { assessEtcdHealth } from '../../../src/ops/local-cluster/etcd/etcd-cluster.js';
import { etcdLastLogLine, etcdMemberArgs, etcdTiming, findEtcdBinary, freeLoopbackPorts } from '../../../src/ops/local-cluster/etcd/etcd-members.js';
import { readManifest, writeManifest, type ClusterManifest } from '../../../src/ops/local-cluster/manifest.js';
import { isMemberCommandLine } from '../../../src/ops/local-cluster/pids.js';
import type { StatusMember, StatusModel } from '../../../src/ops/status.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'fleet-etcd-members-'));
  return dir;
}

const manifest: ClusterManifest = {
  version: 1, name: 'lab', created: '2026-01-01T00:00:00.000Z', basePort: 20001, dataDir: '/d', heartbeat: '100ms', electionTimeout: '1s',
  members: [1, 2, 3].map((i) => ({ id: `n${i}`, port: 20000 + i, peerPort: 20010 + i, dataDir: `/d/n${i}`, state: 'voter' as const })),
  nextMember: 4, engine: 'etcd',
};

describe('etcd members of a local cluster', () => {
  it('start with their name, data dir, both URLs, the founding membership and the timing in ms', () => {
    const args = etcdMemberArgs(manifest, manifest.members[1]!, true);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--name')).toBe('n2');
    expect(flag('--data-dir')).toBe('/d/n2');
    expect(flag('--listen-client-urls')).toBe('http://127.0.0.1:20002');
    expect(flag('--initial-advertise-peer-urls')).toBe('http://127.0.0.1:20012');
    expect(flag('--initial-cluster')).toBe('n1=http://127.0.0.1:20011,n2=http://127.0.0.1:20012,n3=http://127.0.0.1:20013');
    expect(flag('--initial-cluster-state')).toBe('new');
    expect([flag('--heartbeat-interval'), flag('--election-timeout')]).toEqual(['100', '1000']);
    expect(etcdMemberArgs(manifest, manifest.members[1]!, false)).toContain('existing');
  });

  it('are recognised by their command line, and only as themselves', () => {
    const argv = ['/usr/bin/etcd', ...etcdMemberArgs(manifest, manifest.members[0]!, true)];
    expect(isMemberCommandLine(argv, { id: 'n1', dataDir: '/d/n1' })).toBe(true);
    expect(isMemberCommandLine(argv, { id: 'n2', dataDir: '/d/n1' })).toBe(false);
    expect(isMemberCommandLine(argv, { id: 'n1', dataDir: '/d/n2' })).toBe(false);
    // Someone else's program that merely mentions the flags is not a member.
    expect(isMemberCommandLine(['/usr/bin/python3', 'x.py', '--name', 'n1', '--data-dir', '/d/n1'], { id: 'n1', dataDir: '/d/n1' })).toBe(false);
  });

  it('refuse timing etcd would refuse, as a usage error', () => {
    expect(etcdTiming('100ms', '500ms')).toEqual({ heartbeatMs: 100, electionMs: 500 });
    const err = (() => {
      try {
        etcdTiming('100ms', '300ms');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.usage);
  });

  it('say which package to install when etcd is not on PATH', () => {
    expect(() => findEtcdBinary({ PATH: '/nonexistent' })).toThrow(/etcd is not installed.*etcd-server/);
  });

  it('report the last error etcd logged since their start, not an older one', () => {
    const file = join(tmp(), 'n1.log');
    const old = `${JSON.stringify({ level: 'error', msg: 'old trouble' })}\n`;
    writeFileSync(file, `${old}${JSON.stringify({ level: 'info', msg: 'starting' })}\n${JSON.stringify({ level: 'fatal', msg: 'listen failed', error: 'address already in use' })}\n`);
    expect(etcdLastLogLine(file, old.length)).toBe('listen failed: address already in use');
    writeFileSync(file, old + JSON.stringify({ level: 'info', msg: 'fine' }));
    expect(etcdLastLogLine(file, old.length)).toBeUndefined();
  });

  it('get distinct free ports that avoid other clusters', async () => {
    const first = await freeLoopbackPorts(1, new Set());
    const ports = await freeLoopbackPorts(6, new Set(first));
    expect(new Set(ports).size).toBe(6);
    expect(ports).not.toContain(first[0]);
  });

  it('keep their peer ports in the manifest, which refuses a peer port shared with a client port', async () => {
    const file = join(tmp(), 'cluster.json');
    await writeManifest(file, manifest);
    expect(await readManifest(file)).toEqual(manifest);
    const clash = { ...manifest, members: manifest.members.map((m, i) => (i === 0 ? { ...m, peerPort: 20002 } : m)) };
    await expect(writeManifest(file, clash)).rejects.toThrow(/repeats an id or a port/);
  });
});

function row(name: string, port: number, role: StatusMember['role'], healthy = true, problem?: string): StatusMember {
  return { id: name, address: `127.0.0.1:${port}`, role, healthy, ...(problem ? { problem } : {}), etcd: { name } } as unknown as StatusMember;
}
function model(rows: StatusMember[]): StatusModel {
  return { engine: 'etcd', members: rows, health: { state: 'healthy', reasons: [] } } as unknown as StatusModel;
}

describe('the health of a starting local etcd cluster', () => {
  it('waits for every member to answer, then for a leader, then for each member to be healthy', () => {
    const [a, b, c] = [row('n1', 20001, 'follower'), row('n2', 20002, 'leader'), row('n3', 20003, 'follower')];
    expect(assessEtcdHealth(model([a, b, row('n3', 20003, 'unreachable', false)]), manifest.members).waitingFor).toBe('n3 to answer');
    expect(assessEtcdHealth(model([a, b]), manifest.members).waitingFor).toBe('n3 to answer');
    expect(assessEtcdHealth(model([a, row('n2', 20002, 'follower'), c]), manifest.members).waitingFor).toBe('a leader to be elected');
    expect(assessEtcdHealth(model([a, b, row('n3', 20003, 'follower', false, 'lagging')]), manifest.members)).toMatchObject({ healthy: false, leader: 'n2', waitingFor: 'n3 (lagging)' });
    expect(assessEtcdHealth(model([a, b, row('n9', 20003, 'follower')]), manifest.members).waitingFor).toBe('the member at 127.0.0.1:20003 to be n3');
    expect(assessEtcdHealth(model([a, b, c]), manifest.members)).toEqual({ healthy: true, leader: 'n2', waitingFor: '' });
  });
});
