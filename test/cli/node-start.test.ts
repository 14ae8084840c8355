import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { NODE_START_FLAGS, planNodeStart, plaintextTokenWarning, type NodeStartFlags } from '../../src/cli/node-start.js';
import { tempDir } from '../temp-dirs.js';

const base: NodeStartFlags = { id: 'n1', 'data-dir': '/tmp/n1', listen: '127.0.0.1:7781', peers: 'n1=127.0.0.1:7781,n2=127.0.0.1:7782' };

const dir = tempDir('fleet-node-start-').path;
function secretFile(name: string, mode: number, content = 'x'.repeat(64)): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

async function refusal(flags: NodeStartFlags): Promise<string> {
  try {
    await planNodeStart(flags, '0.0.0');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('fleet node start flags', () => {
  it('turns flags into coordinator options, with the documented defaults', async () => {
    const plan = await planNodeStart(base, '1.2.3');
    expect(plan).toMatchObject({ id: 'n1', clusterName: 'fleet', heartbeatMs: 100, electionTimeoutMs: 1000, snapshotEvery: 500, enableDrills: false, version: '1.2.3' });
    expect([...plan.founders]).toEqual([['n1', '127.0.0.1:7781'], ['n2', '127.0.0.1:7782']]);
    expect(await planNodeStart({ ...base, heartbeat: '50ms', 'election-timeout': '500ms', 'snapshot-every': '7', 'enable-drills': true }, 'v')).toMatchObject({ heartbeatMs: 50, electionTimeoutMs: 500, snapshotEvery: 7, enableDrills: true });
  });

  it('refuses what a member cannot run with, naming the flag', async () => {
    expect(await refusal({ id: 'n1', listen: '127.0.0.1:1' })).toMatch(/--data-dir/);
    expect(await refusal({ ...base, peers: 'n2=127.0.0.1:7782' })).toMatch(/--peers must include this member/);
    expect(await refusal({ ...base, join: true })).toMatch(/--join and --peers exclude each other/);
    expect(await refusal({ ...base, heartbeat: '600ms' })).toMatch(/at least twice --heartbeat/);
    expect(await refusal({ ...base, 'snapshot-every': '0' })).toMatch(/--snapshot-every/);
    expect(await refusal({ ...base, listen: '10.0.0.1:7781', peers: 'n1=10.0.0.1:7781' })).toMatch(/beyond this machine/);
    expect(await refusal({ ...base, 'tls-cert': '/c.pem' })).toMatch(/go together/);
    expect(await refusal({ ...base, 'token-file': '/nonexistent/token' })).toMatch(/cannot read --token-file/);
  });

  it('refuses to listen beyond loopback without client, admin and peer credentials, deciding on the address', async () => {
    const token = secretFile('token', 0o600);
    const admin = secretFile('admin', 0o600);
    const peer = secretFile('peer', 0o600);
    const remote = { ...base, listen: '10.0.0.1:7781', peers: 'n1=10.0.0.1:7781' };
    expect(await refusal({ ...remote, 'token-file': token, 'admin-token-file': admin })).toMatch(/without --peer-secret-file \(or --tls-ca\)/);
    expect(await planNodeStart({ ...remote, 'token-file': token, 'admin-token-file': admin, 'peer-secret-file': peer }, 'v')).toMatchObject({ peerSecret: Buffer.from('x'.repeat(64)) });
    expect(await planNodeStart({ ...remote, insecure: true }, 'v')).toMatchObject({ listen: '10.0.0.1:7781' });
    // A name that resolves to 127.0.0.1 through public DNS is not loopback; wildcards are not either.
    for (const host of ['127.0.0.1.nip.io', '0.0.0.0', '[::]']) {
      expect(await refusal({ ...base, listen: `${host}:7781`, peers: `n1=${host}:7781` })).toMatch(/beyond this machine/);
    }
    expect(await planNodeStart({ ...base, listen: 'localhost:7781', peers: 'n1=localhost:7781' }, 'v')).toMatchObject({ listen: 'localhost:7781' });
    expect(await planNodeStart({ ...base, listen: '[::1]:7781', peers: 'n1=[::1]:7781' }, 'v')).toMatchObject({ listen: '[::1]:7781' });
  });

  it('refuses credential files others can read, naming the file and the fix', async () => {
    const open = secretFile('open-token', 0o644);
    let caught: unknown;
    try {
      await planNodeStart({ ...base, 'peer-secret-file': open }, 'v');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(`--peer-secret-file ${open} is readable by others (mode 0644): credentials must be private`);
    expect((caught as UsageError).hint).toBe(`chmod 600 ${open}`);
    expect(await refusal({ ...base, 'token-file': secretFile('group-token', 0o640) })).toMatch(/readable by others \(mode 0640\)/);
    expect(await refusal({ ...base, 'peer-secret-file': secretFile('short', 0o600, 'short') })).toMatch(/at least 32/);
  });

  it('refuses a metrics listener beyond loopback unless told it is meant', async () => {
    expect(await refusal({ ...base, 'metrics-listen': '0.0.0.0:9100' })).toMatch(/--insecure-metrics/);
    expect(await planNodeStart({ ...base, 'metrics-listen': '0.0.0.0:9100', 'insecure-metrics': true }, 'v')).toMatchObject({ metricsListen: { host: '0.0.0.0', port: 9100 } });
  });

  it('refuses a zero interval and a data dir that is a file or cannot be created, leaving nothing behind', async () => {
    expect(await refusal({ ...base, heartbeat: '0ms' })).toBe('--heartbeat must be more than 0, got "0ms"');
    expect(await refusal({ ...base, 'election-timeout': '0s' })).toMatch(/--election-timeout must be more than 0/);
    expect(await planNodeStart(base, 'v')).toMatchObject({ snapshotCatchupEntries: 5_000 });
    expect(await planNodeStart({ ...base, 'snapshot-catchup-entries': '0' }, 'v')).toMatchObject({ snapshotCatchupEntries: 0 });
    expect(await refusal({ ...base, 'snapshot-catchup-entries': '-1' })).toMatch(/^--snapshot-catchup-entries must be a whole number ≥ 0, got '-1'/);
    expect(await refusal({ ...base, 'etcd-watch-progress-notify-interval': 'soon' })).toMatch(/--etcd-watch-progress-notify-interval/);
    expect(await planNodeStart({ ...base, 'etcd-watch-progress-notify-interval': '30s' }, 'v')).toMatchObject({ etcdProgressNotifyMs: 30_000 });
  });

  it('reads --etcd-auto-compaction-* as etcd does: off at 0, hours or a duration periodic, a count of revisions; an hour by default', async () => {
    expect((await planNodeStart(base, 'v')).etcdAutoCompaction, 'an in-memory keyspace keeps an hour of history').toEqual({ mode: 'periodic', retentionMs: 3_600_000 });
    expect((await planNodeStart({ ...base, 'etcd-auto-compaction-retention': '0' }, 'v')).etcdAutoCompaction).toBeUndefined();
    expect(await planNodeStart({ ...base, 'etcd-auto-compaction-retention': '2' }, 'v')).toMatchObject({ etcdAutoCompaction: { mode: 'periodic', retentionMs: 2 * 3_600_000 } });
    expect(await planNodeStart({ ...base, 'etcd-auto-compaction-retention': '30m' }, 'v')).toMatchObject({ etcdAutoCompaction: { mode: 'periodic', retentionMs: 30 * 60_000 } });
    expect(await planNodeStart({ ...base, 'etcd-auto-compaction-mode': 'revision', 'etcd-auto-compaction-retention': '1000' }, 'v')).toMatchObject({ etcdAutoCompaction: { mode: 'revision', retention: 1000 } });
    expect(await refusal({ ...base, 'etcd-auto-compaction-mode': 'revision', 'etcd-auto-compaction-retention': '1h' })).toMatch(/whole number of revisions/);
    expect(await refusal({ ...base, 'etcd-auto-compaction-mode': 'hourly', 'etcd-auto-compaction-retention': '1' })).toMatch(/must be periodic or revision/);
    expect(await refusal({ ...base, 'etcd-auto-compaction-retention': 'soon' })).toMatch(/^--etcd-auto-compaction-retention: /);
    expect((await planNodeStart(base, 'v')).etcdQuotaBytes, 'the default quota').toBeUndefined();
    expect((await planNodeStart({ ...base, 'etcd-quota-backend-bytes': '8589934592' }, 'v')).etcdQuotaBytes).toBe(8 * 2 ** 30);
    expect(await refusal({ ...base, 'etcd-quota-backend-bytes': '4096' })).toMatch(/^--etcd-quota-backend-bytes must be a whole number of bytes, at least 1048576/);
    expect(await refusal({ ...base, 'data-dir': secretFile('not-a-dir', 0o600) })).toMatch(/is a file, not a directory/);
    // Node's recursive mkdir spins for ever here; a member must be refused at once instead.
    expect(await refusal({ ...base, 'data-dir': '/proc/1/nope/deeper' })).toMatch(/^cannot create --data-dir \/proc\/1\/nope\/deeper: ENOENT/);
    const fresh = join(dir, 'fresh', 'n1');
    await planNodeStart({ ...base, 'data-dir': fresh }, 'v');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  });

  it('takes a zone and a region, and refuses labels that are not one', async () => {
    expect((await planNodeStart(base, 'v')).placement).toBeUndefined();
    expect(await planNodeStart({ ...base, zone: 'eu-west-1a', region: 'eu-west-1' }, 'v')).toMatchObject({ placement: { zone: 'eu-west-1a', region: 'eu-west-1' } });
    expect(await planNodeStart({ ...base, zone: 'a' }, 'v')).toMatchObject({ placement: { zone: 'a', region: '' } });
    expect(await refusal({ ...base, zone: 'eu west' })).toBe("--zone must be a label of letters, digits, '.', '_' or '-' (at most 63), got 'eu west'");
    expect(await refusal({ ...base, region: 'x'.repeat(64) })).toMatch(/^--region must be a label/);
  });

  it('takes --read-replica for a joining member and refuses it on a founding one', async () => {
    const joining = { ...base, peers: undefined, join: true };
    expect(await planNodeStart({ ...joining, 'read-replica': true, region: 'ap' }, 'v')).toMatchObject({ placement: { zone: '', region: 'ap', readReplica: true } });
    expect(await refusal({ ...base, 'read-replica': true })).toMatch(/^--read-replica: n1 is named in --peers, which makes it a founding voter; a read replica joins as a learner/);
  });

  it('takes read-only tokens (--read-token-file, comma-separated, named), and refuses them alone or equal to another token', async () => {
    const writer = secretFile('rt-writer', 0o600, 'writer-token');
    const first = secretFile('rt-read-1', 0o600, 'name: dashboards\nread-token-1');
    const second = secretFile('rt-read-2', 0o600, 'read-token-2');
    expect(await planNodeStart({ ...base, 'token-file': writer, 'read-token-file': `${first},${second}` }, 'v')).toMatchObject({
      token: 'writer-token',
      readTokens: [
        { token: 'read-token-1', name: 'dashboards' },
        { token: 'read-token-2', name: undefined },
      ],
    });
    expect(await refusal({ ...base, 'read-token-file': first })).toMatch(/--read-token-file needs --token-file or --admin-token-file/);
    expect(await refusal({ ...base, 'token-file': writer, 'read-token-file': secretFile('rt-same', 0o600, 'writer-token') })).toMatch(/a read token must differ from every other token/);
    expect(await refusal({ ...base, 'token-file': writer, 'read-token-file': secretFile('rt-open', 0o644, 'r') })).toMatch(/readable by others/);
  });

  it('declares every flag with a description', () => {
    for (const [name, spec] of Object.entries(NODE_START_FLAGS)) expect(spec.description.length, name).toBeGreaterThan(10);
  });
});

describe('plaintextTokenWarning', () => {
  it('warns when tokens travel in plaintext beyond this machine, and only then', async () => {
    expect(await plaintextTokenWarning({ listen: '10.0.0.1:7781', token: 't', adminToken: undefined, tls: undefined })).toMatch(/^warning: tokens travel in plaintext to 10\.0\.0\.1:7781/);
    expect(await plaintextTokenWarning({ listen: '127.0.0.1:7781', token: 't', adminToken: 't', tls: undefined })).toBeUndefined();
    expect(await plaintextTokenWarning({ listen: '10.0.0.1:7781', token: 't', adminToken: 't', tls: { cert: 'c', key: 'k', ca: undefined } })).toBeUndefined();
    expect(await plaintextTokenWarning({ listen: '10.0.0.1:7781', token: undefined, adminToken: undefined, tls: undefined })).toBeUndefined();
  });
});
