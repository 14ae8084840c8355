/**
 * etcd's users, roles and key permissions on a 3-member fleet cluster, driven by etcdctl 3.4, with a
 * real etcd as the control (issue 58): the same commands against both, the same answers. A root
 * user and role, `auth enable`, a user limited to `app/` refused outside it (put, get, del, txn,
 * watch) and allowed inside it on every member (followers too), a wrong password refused, `auth
 * disable`. A forged, tampered or stale token is refused (security: the attacks are tests). Before,
 * the Auth service served only Authenticate, with a fleet token as the password, and a token's role
 * applied to the whole keyspace.
 */
import { spawn } from 'node:child_process';
import { Metadata, credentials, type Client } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

const { etcdctl } = requireEtcd();
let fleet: TestCluster | undefined;
let etcd: EtcdCluster | undefined;

beforeAll(async () => {
  [fleet, etcd] = await Promise.all([TestCluster.start({ size: 3 }), EtcdCluster.start(1)]);
  await fleet.waitForLeader();
}, 120_000);
afterAll(async () => {
  await etcd?.stop();
  await fleet?.destroy();
});

/** etcdctl once, with `input` on its stdin (txn reads its operations there); output merged, killed after 20 s. */
function run(args: readonly string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(etcdctl, ['--dial-timeout=3s', '--command-timeout=5s', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    child.on('close', (code) => (clearTimeout(timer), resolve({ code: code ?? 1, out })));
    child.stdin.end(input);
  });
}

type Target = 'fleet' | 'etcd';
const endpointsOf = (t: Target): string[] => (t === 'fleet' ? fleet!.endpoints : etcd!.endpoints);
/** etcdctl against one endpoint of `t` (default its first) as `user` (name:password), or without credentials. */
const ctl = (t: Target, args: readonly string[], o: { user?: string; at?: string; input?: string } = {}) =>
  run([`--endpoints=${o.at ?? endpointsOf(t)[0]!}`, ...(o.user === undefined ? [] : ['--user', o.user]), ...args], o.input);
/** The output without clientv3's retry warnings (JSON log lines that name the endpoint and the time), trimmed. */
const said = (r: { out: string }): string =>
  r.out
    .split('\n')
    .filter((line) => !line.startsWith('{"level":'))
    .join('\n')
    .trim();

const ROOT = 'root:rootpw';
const ALICE = 'alice:alicepw';
const denied = 'Error: etcdserver: permission denied';

/** The same setup on both: root, `auth enable` refused then given, the role app on app/, alice with it. */
async function setUp(t: Target): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out.enableWithoutRoot = said(await ctl(t, ['auth', 'enable']));
  out.addRoot = said(await ctl(t, ['user', 'add', ROOT]));
  out.addRootAgain = said(await ctl(t, ['user', 'add', ROOT]));
  out.addApp = said(await ctl(t, ['role', 'add', 'app']));
  out.grantApp = said(await ctl(t, ['role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix=true']));
  out.addAlice = said(await ctl(t, ['user', 'add', ALICE]));
  out.grantAlice = said(await ctl(t, ['user', 'grant-role', 'alice', 'app']));
  out.grantMissing = said(await ctl(t, ['user', 'grant-role', 'alice', 'nope']));
  out.getMissingUser = said(await ctl(t, ['user', 'get', 'bob']));
  out.roleGet = said(await ctl(t, ['role', 'get', 'app']));
  out.userGet = said(await ctl(t, ['user', 'get', 'alice']));
  // etcdctl adds the root role and grants it to root when auth enable says it is missing.
  out.enable = said(await ctl(t, ['auth', 'enable']));
  out.userList = said(await ctl(t, ['user', 'list'], { user: ROOT }));
  out.roleList = said(await ctl(t, ['role', 'list'], { user: ROOT }));
  return out;
}

describe('etcd users, roles and permissions, beside a real etcd', () => {
  it('sets up root, a role on a prefix and a user, and enables auth, with etcd’s answers', async () => {
    const [f, e] = await Promise.all([setUp('fleet'), setUp('etcd')]);
    expect(f).toEqual(e);
    expect(e.enableWithoutRoot).toBe('Error: etcdserver: root user does not exist');
    expect(e.addRootAgain).toBe('Error: etcdserver: user name already exists');
    expect(e.grantMissing).toBe('Error: etcdserver: role name not found');
    expect(e.getMissingUser).toBe('Error: etcdserver: user name not found');
    expect(e.enable).toBe('Authentication Enabled');
  }, 120_000);

  it('refuses alice outside app/ and lets her in inside it, on every member, as etcd does', async () => {
    const script = async (t: Target, at: string): Promise<Record<string, string>> => {
      const as = { user: ALICE, at };
      return {
        anonymous: said(await ctl(t, ['put', 'x', '1'], { at })),
        putIn: said(await ctl(t, ['put', 'app/1', 'one'], as)),
        putOut: said(await ctl(t, ['put', 'other', '1'], as)),
        getIn: said(await ctl(t, ['get', 'app/1', '--print-value-only'], as)),
        getOut: said(await ctl(t, ['get', 'other'], as)),
        getAll: said(await ctl(t, ['get', '', '--prefix'], as)),
        getPrefix: said(await ctl(t, ['get', 'app/', '--prefix', '--keys-only'], as)),
        delOut: said(await ctl(t, ['del', 'other'], as)),
        delIn: said(await ctl(t, ['del', 'app/gone'], as)),
        txnIn: said(await ctl(t, ['txn'], { ...as, input: 'value("app/1") = "one"\n\nput app/2 two\n\nput app/3 three\n\n' })),
        txnCompareOut: said(await ctl(t, ['txn'], { ...as, input: 'value("other") = "1"\n\nput app/2 two\n\n\n' })),
        txnFailureOut: said(await ctl(t, ['txn'], { ...as, input: 'value("app/1") = "one"\n\nput app/2 two\n\nput other x\n\n' })),
        wrongPassword: said(await ctl(t, ['get', 'app/1'], { user: 'alice:wrong', at })),
        unknownUser: said(await ctl(t, ['get', 'app/1'], { user: 'mallory:x', at })),
        rootOut: said(await ctl(t, ['get', 'app/1', '--print-value-only'], { user: ROOT, at })),
        aliceManages: said(await ctl(t, ['user', 'list'], as)),
        // What the txn wrote, gone again: the next member's run starts where this one did.
        delTxn: said(await ctl(t, ['del', 'app/2'], as)),
      };
    };
    const e = await script('etcd', etcd!.endpoints[0]!);
    expect(e.anonymous).toBe('Error: etcdserver: user name is empty');
    expect(e.putOut).toBe(denied);
    expect(e.wrongPassword).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
    // Every member of fleet's cluster, the followers too (each forwards the writes to the leader).
    for (const at of fleet!.endpoints) expect(await script('fleet', at), at).toEqual(e);
  }, 180_000);

  it('refuses a watch outside app/ and streams one inside it', async () => {
    const watch = async (t: Target, key: string, at: string): Promise<string> => {
      // Written first and watched from its revision: the event comes whenever the watch is created.
      const put = await ctl(t, ['put', `${key}w`, 'seen', '-w', 'json'], { user: ROOT, at });
      const revision = (JSON.parse(said(put)) as { header: { revision: number } }).header.revision;
      const child = spawn(etcdctl, [`--endpoints=${at}`, '--user', ALICE, 'watch', key, '--prefix', `--rev=${revision}`], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      try {
        await waitFor('the watch to answer', async () => (out.includes('seen') || child.exitCode !== null ? true : undefined), 15_000).catch(() => undefined);
        return said({ out });
      } finally {
        child.kill('SIGTERM');
        await closed;
      }
    };
    const e = { in: await watch('etcd', 'app/', etcd!.endpoints[0]!), out: await watch('etcd', 'secret/', etcd!.endpoints[0]!) };
    expect(e.in).toBe('PUT\napp/w\nseen');
    expect(e.out).toContain('permission denied');
    for (const at of fleet!.endpoints) {
      expect(await watch('fleet', 'app/', at), at).toBe(e.in);
      expect(await watch('fleet', 'secret/', at), at).toBe(e.out);
    }
  }, 120_000);
});

/** Auth.Authenticate and KV.Range over raw gRPC, to handle tokens as an attacker would. */
function rawClients(endpoint: string) {
  const d = loadEtcdDefinitions();
  type Call = (req: object, md: Metadata, cb: (e: { code: number; details: string } | null, res?: Record<string, unknown>) => void) => void;
  const auth = new d.Auth(endpoint, credentials.createInsecure()) as Client & Record<string, Call>;
  const kv = new d.KV(endpoint, credentials.createInsecure()) as Client & Record<string, Call>;
  const call = (client: Client & Record<string, Call>, method: string, req: object, token?: string) =>
    new Promise<{ code?: number; details?: string; res?: Record<string, unknown> }>((resolve) => {
      const md = new Metadata();
      if (token !== undefined) md.set('token', token);
      client[method]!(req, md, (e, res) => resolve(e ? { code: e.code, details: e.details } : { res: res! }));
    });
  return {
    token: async (name: string, password: string) => String((await call(auth, 'Authenticate', { name, password })).res?.token),
    range: async (key: string, token?: string) => {
      const r = await call(kv, 'Range', { key: Buffer.from(key) }, token);
      return r.res === undefined ? { code: r.code, details: r.details } : { count: String(r.res.count) };
    },
    close: () => (auth.close(), kv.close()),
  };
}

describe('tokens an attacker holds', () => {
  it('refuses a forged token, a tampered one, one of a changed password and one from before auth was disabled', async () => {
    const one = fleet!.endpoints[0]!;
    const another = fleet!.endpoints[2]!;
    const atOne = rawClients(one);
    const atAnother = rawClients(another);
    const invalid = { code: 16, details: 'etcdserver: invalid auth token' };
    try {
      const token = await atOne.token('alice', 'alicepw');
      expect(token).toMatch(/^etcd1\./);
      // Issued by one member, accepted by another: every member verifies it.
      expect(await atAnother.range('app/1', token)).toEqual({ count: '1' });
      expect(await atAnother.range('other', token)).toEqual({ code: 7, details: 'etcdserver: permission denied' });

      expect(await atAnother.range('app/1', 'etcd1.forged.token')).toEqual(invalid);
      // alice's signature on a payload that says root.
      const [prefix, payload, mac] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { u: string };
      const asRoot = Buffer.from(JSON.stringify({ ...claims, u: 'root' })).toString('base64url');
      expect(await atAnother.range('other', `${prefix}.${asRoot}.${mac}`)).toEqual(invalid);
      // The control: etcd refuses a token it never issued the same way.
      const real = rawClients(etcd!.endpoints[0]!);
      try {
        expect(await real.range('app/1', 'forged')).toEqual(invalid);
      } finally {
        real.close();
      }

      // A changed password makes the tokens of the old one stale, on every member.
      expect((await ctl('fleet', ['user', 'passwd', 'alice', '--interactive=false'], { user: ROOT, input: 'alicepw2\n' })).out.trim()).toBe('Password updated');
      await waitFor('the change applied on the follower', async () => ((await atAnother.range('app/1', token)).code === 16 ? true : undefined), 10_000);
      const fresh = await atOne.token('alice', 'alicepw2');
      expect(await atAnother.range('app/1', fresh)).toEqual({ count: '1' });

      // Disabled and enabled again: another key signs, and the tokens from before are refused.
      expect(said(await ctl('fleet', ['auth', 'disable'], { user: ROOT }))).toBe('Authentication Disabled');
      expect(said(await ctl('fleet', ['put', 'other', 'anyone'])), 'auth disabled: no credentials needed').toBe('OK');
      expect(said(await ctl('fleet', ['auth', 'enable']))).toBe('Authentication Enabled');
      await waitFor('enabled on the follower', async () => ((await atAnother.range('app/1')).code === 3 ? true : undefined), 10_000);
      expect(await atAnother.range('app/1', fresh)).toEqual(invalid);
      expect(await atAnother.range('app/1', await atOne.token('alice', 'alicepw2'))).toEqual({ count: '1' });
    } finally {
      atOne.close();
      atAnother.close();
    }
  }, 120_000);

  it('auth disable opens every key again, on fleet as on etcd', async () => {
    for (const t of ['fleet', 'etcd'] as const) {
      expect(said(await ctl(t, ['auth', 'disable'], { user: ROOT })), t).toBe('Authentication Disabled');
      expect(said(await ctl(t, ['put', 'other', 'open'])), t).toBe('OK');
      expect(said(await ctl(t, ['get', 'other', '--print-value-only'])), t).toBe('open');
    }
  }, 60_000);
});

/**
 * etcd's own users beside fleet's tokens: a fleet admin token acts as etcd's root (it adds the
 * users and enables etcd's auth), a read token still reads every key and a writer writes every key
 * but manages no users, while an etcd user is held to its role's keys.
 */
describe('fleet tokens beside etcd users', () => {
  const WRITER = 'writer-token-0123456789abcdef';
  const ADMIN = 'admin-token-0123456789abcdef';
  const READER = 'read-token-0123456789abcdef';
  let tokens: TestCluster | undefined;
  beforeAll(async () => {
    tokens = await TestCluster.start({ size: 1, token: WRITER, adminToken: ADMIN, readToken: READER });
    await tokens.waitForLeader();
  }, 60_000);
  afterAll(async () => {
    await tokens?.destroy();
  });
  const as = async (user: string, ...args: string[]) => said(await run([`--endpoints=${tokens!.endpoints[0]!}`, ...(user === '' ? [] : ['--user', user]), ...args]));

  it('lets the admin token act as root, keeps the tokens’ roles, and holds an etcd user to its prefix', async () => {
    const admin = `ops:${ADMIN}`;
    expect(await as(admin, 'user', 'add', ROOT)).toBe('User root created');
    expect(await as(admin, 'role', 'add', 'app')).toBe('Role app created');
    expect(await as(admin, 'role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix=true')).toBe('Role app updated');
    expect(await as(admin, 'user', 'add', ALICE)).toBe('User alice created');
    expect(await as(admin, 'user', 'grant-role', 'alice', 'app')).toBe('Role app is granted to user alice');
    // A writer token writes keys, and manages nothing.
    expect(await as(`ops:${WRITER}`, 'user', 'add', 'bob:x')).toBe(denied);
    expect(await as(admin, 'auth', 'enable')).toBe('Authentication Enabled');

    expect(await as(ALICE, 'put', 'app/1', 'mine')).toBe('OK');
    expect(await as(ALICE, 'put', 'outside', 'x')).toBe(denied);
    expect(await as(`ops:${WRITER}`, 'put', 'outside', 'by-writer')).toBe('OK');
    expect(await as(`ops:${READER}`, 'get', 'outside', '--print-value-only')).toBe('by-writer');
    expect(await as(`ops:${READER}`, 'put', 'outside', 'x')).toBe(denied);
    expect(await as(ROOT, 'get', 'app/1', '--print-value-only')).toBe('mine');
    expect(await as('', 'get', 'app/1')).toBe('Error: etcdserver: user name is empty');
    expect(await as(admin, 'user', 'list')).toBe('alice\nroot');
    expect(await as(admin, 'auth', 'disable')).toBe('Authentication Disabled');
    expect(await as(`ops:${WRITER}`, 'user', 'get', 'alice'), 'auth disabled: management is still the admin’s').toBe(denied);
  }, 60_000);
});
