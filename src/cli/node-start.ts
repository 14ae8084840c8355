/**
 * `fleet node start`, declared once and runnable two ways: the oclif command shows these flags
 * in help, and the lean entry below parses them with node:util alone. bin/run.js takes the lean
 * entry for `fleet node start`, because a member runs for months and oclif's command tree would
 * stay resident in every member for nothing (about 12 MB of its memory, and part of its start-up).
 */
import { parseTokenText, type NamedToken } from '../client/transport/token-file.js';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { memberIdProblem, resolvesToLoopback, parseHostPort, parsePeers } from '../common/addresses.js';
import { parseDuration, parsePositiveDuration } from '../common/durations.js';
import type { MemberLaunch, NodeRunOptions } from './node-run.js';
import type { AutoCompaction } from '../core/server/etcd-api/etcd-auto-compaction.js';
import { defaultInitialClusterState } from '../core/server/founding.js';
import { CliError, EXIT, UsageError, oneLine } from '../common/errors.js';
import { placementLabelProblem } from '../common/placement.js';
import { MEMBER_V8_FLAGS } from '../common/member-process.js';
import { DEFAULT_SNAPSHOT_CATCHUP_ENTRIES, DEFAULT_SNAPSHOT_EVERY } from '../core/server/member/options.js';
import { sharedDirProblem } from '../common/private-file.js';
import { findListener, probePort } from '../ops/local-cluster/ports.js';

interface FlagSpec {
  readonly type: 'string' | 'boolean' | 'integer';
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string | boolean | number;
  readonly hidden?: boolean;
  /** A boolean that also takes a `--no-` form. */
  readonly allowNo?: boolean;
}

const SPEC = {
  id: { type: 'string', description: "this member's id (e.g. n1)", required: true },
  'data-dir': { type: 'string', description: 'directory for the log, snapshots and logs of this member', required: true },
  listen: { type: 'string', description: 'host:port of the gRPC port (peer, client and admin APIs)', required: true },
  peers: { type: 'string', description: 'founding members as ID=host:port,… (this member included)' },
  join: { type: 'boolean', description: 'join an existing cluster (add this member with `fleet members add` first)', default: false },
  'initial-cluster-state': {
    type: 'string',
    description:
      "new: this member is founding a cluster with --peers; existing: the cluster already exists. A member without Raft state bootstraps from --peers only when new; when existing it refuses to start, since it may be one that lost its data dir and with it votes and acknowledged entries (re-seed such a member: fleet members remove, fleet members add --learner, start it with --join, fleet members promote). Default: new if --data-dir is an empty directory (as fleet init creates it), else existing. A data dir a founding start was stopped in before its state was on disk founds whatever this says (it never voted or acknowledged anything). Ignored once the data dir holds this member's state",
  },
  cluster: { type: 'string', description: 'cluster name: members of another cluster are refused', default: 'fleet' },
  zone: { type: 'string', description: "this member's zone (failure domain, e.g. eu-west-1a): announced to its peers, shown by fleet status, weighed by the placement gate" },
  region: { type: 'string', description: "this member's region (e.g. eu-west-1)" },
  'read-replica': {
    type: 'boolean',
    description: 'a permanent non-voting member: it receives the log and serves min-index and max-staleness reads, never votes, never counts for commit, and is never promoted (add it with fleet members add --learner, start it with --join)',
    default: false,
  },
  'metrics-listen': { type: 'string', description: 'host:port to serve Prometheus metrics on' },
  heartbeat: { type: 'string', description: 'leader heartbeat interval', default: '100ms' },
  'election-timeout': { type: 'string', description: 'base election timeout (each wait randomized up to 1.5 times this)', default: '1000ms' },
  'snapshot-every': { type: 'integer', description: 'the fewest applied entries between two snapshots; then a snapshot is taken once the log since the last one is as large as it, or once the member has spent 20 times the last one\'s work on other things (each member stretches both by a random 1–1.5×, so members do not snapshot at once)', default: DEFAULT_SNAPSHOT_EVERY },
  'snapshot-catchup-entries': {
    type: 'integer',
    description: 'log entries kept behind the newest snapshot (at most 4 MiB of them): a follower that far behind, back from a restart or a partition, is sent them instead of the whole state; 0 sends it a snapshot',
    default: DEFAULT_SNAPSHOT_CATCHUP_ENTRIES,
  },
  'token-file': { type: 'string', description: 'file holding the registry writer\'s bearer token (role writer; role admin too when there is no --admin-token-file)' },
  'admin-token-file': { type: 'string', description: 'file holding the admin\'s bearer token (role admin: membership, leadership, snapshots, prune, forced removal, plan progress, the audit log)' },
  'read-token-file': { type: 'string', description: 'file(s), comma-separated, each holding a read-only bearer token (role read: status, top, get, list, watch; nothing that writes); see docs/security.md' },
  'tls-cert': { type: 'string', description: 'TLS certificate (PEM) for the gRPC port' },
  'tls-key': { type: 'string', description: 'TLS private key (PEM)' },
  'tls-ca': { type: 'string', description: 'CA (PEM) that signed the member and operator certificates: with it, every connection must present a certificate it signed (mutual TLS), and peers a member certificate naming their id; without it, TLS encrypts and proves this member but does not check clients' },
  'peer-secret-file': { type: 'string', description: 'file (mode 0600) holding the secret members sign their peer streams with, where peers do not use mutual TLS; every member of a cluster holds the same one' },
  'backup-dir': { type: 'string', description: 'take scheduled backups into this directory: each holds everything committed when it began, and is written atomically and verified (restored into a scratch member, its state hash compared) before it counts; see fleet backup' },
  'backup-every': { type: 'string', description: 'how often to take a backup into --backup-dir (at least 1s)', default: '1h' },
  'backup-keep': { type: 'integer', description: 'how many backups to keep in --backup-dir: older ones are removed after each good backup, never after a failed one', default: 24 },
  'max-snapshot-mb': { type: 'integer', description: 'largest snapshot accepted from a leader, in MiB (it is spooled to disk as it arrives)', default: 4096 },
  insecure: { type: 'boolean', description: 'allow a listener beyond loopback without client, admin and peer credentials', default: false },
  'insecure-metrics': { type: 'boolean', description: 'allow a metrics listener beyond loopback (metrics name members, addresses and sizes)', default: false },
  'enable-drills': { type: 'boolean', description: 'allow fault-injection drills through the admin API', default: false },
  'etcd-api': {
    type: 'boolean',
    description: "serve etcd's v3 API (KV, Lease, Watch, Cluster, Maintenance) on the --listen port, under the same TLS and tokens; --no-etcd-api turns it off: every etcd call then gets UNIMPLEMENTED naming this flag",
    default: true,
    allowNo: true,
  },
  'etcd-watch-progress-notify-interval': {
    type: 'string',
    description: "how often an etcd watcher that asked for progress notifications and was sent no event hears the member's revision (etcd's --experimental-watch-progress-notify-interval)",
    default: '10m',
  },
  'etcd-auto-compaction-mode': {
    type: 'string',
    description: "how --etcd-auto-compaction-retention is read: periodic (a duration of history to keep; a bare number is hours) or revision (how many revisions to keep), as etcd's --auto-compaction-mode",
    default: 'periodic',
  },
  'etcd-auto-compaction-retention': {
    type: 'string',
    description: "how much etcd keyspace history the leader keeps, compacting the rest through the log (e.g. 1h, 30m, or 1000 revisions); 0 keeps all, as etcd's --auto-compaction-retention (whose default is 0: fleet keeps an hour, since its keyspace lives in memory)",
    default: '1h',
  },
  'etcd-quota-backend-bytes': {
    type: 'integer',
    description: "the etcd keyspace's space quota in bytes, history included (etcd's --quota-backend-bytes): a write that would pass it raises the NOSPACE alarm, and writes that grow the store are refused with \"database space exceeded\" until etcdctl alarm disarm, while reads, deletes and compaction go on (default: a quarter of the member's heap limit, at most 2 GiB)",
  },
  'unsafe-ack-before-commit': { type: 'boolean', description: 'TEST ONLY: acknowledge writes before they commit', default: false, hidden: true },
  'unsafe-stop-applying-after': { type: 'integer', description: 'TEST ONLY: apply no entry beyond this index (a stuck member)', hidden: true },
  'unsafe-clock-offset': { type: 'string', description: 'TEST ONLY: run this member\'s wall clock ahead by this duration (e.g. 2h), or behind with a leading -', hidden: true },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof SPEC;

/** Every flag of `fleet node start`. */
export const NODE_START_FLAGS: Readonly<Record<FlagName, FlagSpec>> = SPEC;

/** Flag values as either parser delivers them. */
export type NodeStartFlags = { readonly [K in FlagName]?: string | boolean | number };

/** What `fleet node start` runs: the member's options, checked. */
export type NodeStartPlan = NodeRunOptions;

function usage(message: string): UsageError {
  return new UsageError(message, 'see `fleet node start --help`');
}

const text = (flags: NodeStartFlags, name: FlagName): string | undefined => {
  const v = flags[name] ?? NODE_START_FLAGS[name].default;
  return v === undefined ? undefined : String(v);
};
const flag = (flags: NodeStartFlags, name: FlagName): boolean => (flags[name] ?? NODE_START_FLAGS[name].default) === true;

/**
 * Checks flag values and turns them into the member's options. Throws CliError (exit 2).
 * Async because whether a listener stays on this machine is decided on the addresses its host
 * resolves to, not on its spelling (`127.0.0.1.nip.io` is not loopback).
 */
export async function planNodeStart(flags: NodeStartFlags, version: string): Promise<NodeStartPlan> {
  for (const [name, spec] of Object.entries(NODE_START_FLAGS)) {
    if (spec.required && flags[name as FlagName] === undefined) throw usage(`missing required flag --${name}`);
  }
  const id = text(flags, 'id')!;
  // The id names the member's log file under --data-dir: `--id ../../x` wrote outside it.
  const idProblem = memberIdProblem(id);
  if (idProblem !== undefined) throw usage(`--id: ${idProblem}`);
  const listenText = text(flags, 'listen')!;
  const listen = parseHostPort(listenText, '--listen');
  const peersText = text(flags, 'peers');
  const peers = peersText ? parsePeers(peersText) : new Map<string, string>();
  const join = flag(flags, 'join');
  if (!join && !peers.has(id)) throw usage(`--peers must include this member (${id}=${listenText}), or pass --join`);
  if (join && peers.size > 0) throw usage('--join and --peers exclude each other: a joining member learns the membership from the leader');
  const dataDir = text(flags, 'data-dir')!;
  refuseUnusableDataDir(dataDir);
  const placement = placementOf(flags);
  if (placement?.readReplica && peers.has(id)) throw usage(`--read-replica: ${id} is named in --peers, which makes it a founding voter; a read replica joins as a learner (fleet members add ${id} ADDRESS --learner, then --join)`);
  const stateText = text(flags, 'initial-cluster-state');
  if (stateText !== undefined && stateText !== 'new' && stateText !== 'existing') throw usage(`--initial-cluster-state must be new or existing, got '${stateText}'`);
  if (join && stateText === 'new') throw usage('--join and --initial-cluster-state new exclude each other: a joining member joins an existing cluster; one founding a cluster names it with --peers');
  const initialClusterState = stateText ?? defaultInitialClusterState(dataDir);
  const heartbeatMs = interval(flags, 'heartbeat');
  const electionTimeoutMs = interval(flags, 'election-timeout');
  if (electionTimeoutMs < 2 * heartbeatMs) throw usage('--election-timeout must be at least twice --heartbeat');
  const snapshotEvery = Number(text(flags, 'snapshot-every'));
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) throw usage(`--snapshot-every must be a whole number ≥ 1, got '${text(flags, 'snapshot-every')}'`);
  const snapshotCatchupEntries = Number(text(flags, 'snapshot-catchup-entries'));
  if (!Number.isSafeInteger(snapshotCatchupEntries) || snapshotCatchupEntries < 0) throw usage(`--snapshot-catchup-entries must be a whole number ≥ 0, got '${text(flags, 'snapshot-catchup-entries')}'`);
  const maxSnapshotMb = Number(text(flags, 'max-snapshot-mb'));
  if (!Number.isSafeInteger(maxSnapshotMb) || maxSnapshotMb < 1) throw usage(`--max-snapshot-mb must be a whole number ≥ 1, got '${text(flags, 'max-snapshot-mb')}'`);
  const backup = backupPolicyOf(flags);
  const token = readToken(text(flags, 'token-file'), '--token-file');
  const adminToken = readToken(text(flags, 'admin-token-file'), '--admin-token-file');
  const readTokens = readTokensOf(text(flags, 'read-token-file'), token, adminToken);
  const peerSecret = readSecret(text(flags, 'peer-secret-file'), '--peer-secret-file');
  if (peerSecret !== undefined && peerSecret.length < 32) throw usage(`--peer-secret-file ${text(flags, 'peer-secret-file')} holds ${peerSecret.length} characters; use at least 32 (fleet init writes 64 hex digits)`);
  const cert = text(flags, 'tls-cert');
  const key = text(flags, 'tls-key');
  const ca = text(flags, 'tls-ca');
  if ((cert === undefined) !== (key === undefined)) throw usage('--tls-cert and --tls-key go together');
  if (ca !== undefined && cert === undefined) throw usage('--tls-ca needs --tls-cert and --tls-key: mutual TLS means this member presents a certificate too');
  if (key !== undefined) refuseReadableByOthers(key, '--tls-key');
  for (const [file, name] of [[cert, '--tls-cert'], [key, '--tls-key'], [ca, '--tls-ca']] as const) if (file !== undefined) refuseUnreadable(file, name);
  const metrics = text(flags, 'metrics-listen');
  const metricsListen = metrics ? parseHostPort(metrics, '--metrics-listen') : undefined;
  if (!flag(flags, 'insecure') && !(await resolvesToLoopback(listen.host))) {
    const missing = [!token && '--token-file', !adminToken && '--admin-token-file', !peerSecret && !ca && '--peer-secret-file (or --tls-ca)'].filter(Boolean);
    if (missing.length > 0) throw usage(`refusing to serve ${listenText} beyond this machine without ${missing.join(', ')}; pass --insecure to accept the risk`);
  }
  if (metricsListen && !flag(flags, 'insecure-metrics') && !(await resolvesToLoopback(metricsListen.host))) {
    throw usage(`refusing to serve metrics on ${metrics} beyond this machine: they name members, addresses and sizes; listen on 127.0.0.1 behind a scraper, or pass --insecure-metrics`);
  }
  return {
    id,
    clusterName: text(flags, 'cluster')!,
    dataDir,
    initialClusterState,
    listen: listenText,
    placement,
    founders: peers,
    metricsListen,
    heartbeatMs,
    electionTimeoutMs,
    snapshotEvery,
    snapshotCatchupEntries,
    token: token?.token,
    adminToken: adminToken?.token,
    tokenName: token?.name,
    adminTokenName: adminToken?.name,
    ...(readTokens.length > 0 ? { readTokens } : {}),
    tls: cert && key ? { cert, key, ca } : undefined,
    peerSecret: peerSecret === undefined ? undefined : Buffer.from(peerSecret, 'utf8'),
    maxSnapshotBytes: maxSnapshotMb * 1024 * 1024,
    ...(backup ? { backup } : {}),
    enableDrills: flag(flags, 'enable-drills'),
    etcdApi: flag(flags, 'etcd-api'),
    etcdProgressNotifyMs: interval(flags, 'etcd-watch-progress-notify-interval'),
    etcdAutoCompaction: autoCompactionOf(flags),
    etcdQuotaBytes: quotaOf(flags),
    unsafeAckBeforeCommit: flag(flags, 'unsafe-ack-before-commit'),
    unsafeStopApplyingAfter: optionalIndex(flags, 'unsafe-stop-applying-after'),
    unsafeClockOffsetMs: clockOffsetOf(flags),
    version,
  };
}

/**
 * `--backup-dir`, `--backup-every`, `--backup-keep`, checked; undefined without --backup-dir. The
 * directory is created now (and must be writable), so that a typo is one line at start, not a
 * failed backup an hour later.
 */
function backupPolicyOf(flags: NodeStartFlags): { dir: string; everyMs: number; keep: number } | undefined {
  const dirText = text(flags, 'backup-dir');
  if (dirText === undefined) {
    // Unset, or its default (the oclif parser fills defaults in): only a value given on purpose is refused.
    const stray = (['backup-every', 'backup-keep'] as const).find((name) => flags[name] !== undefined && String(flags[name]) !== String(NODE_START_FLAGS[name].default));
    if (stray !== undefined) throw usage(`--${stray} needs --backup-dir`);
    return undefined;
  }
  let everyMs: number;
  try {
    everyMs = parsePositiveDuration(text(flags, 'backup-every')!, '--backup-every');
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err));
  }
  if (everyMs < 1000) throw usage(`--backup-every must be at least 1s, got '${text(flags, 'backup-every')}'`);
  const keep = Number(text(flags, 'backup-keep'));
  if (!Number.isSafeInteger(keep) || keep < 1) throw usage(`--backup-keep must be a whole number ≥ 1, got '${text(flags, 'backup-keep')}'`);
  const dir = resolve(dirText);
  try {
    makeDirs(missingDirs(dir), 0o700);
    if (!statSync(dir).isDirectory()) throw new Error('it is a file, not a directory');
    accessSync(dir, constants.W_OK);
    const shared = sharedDirProblem(dir);
    if (shared !== undefined) throw new Error(shared);
  } catch (err) {
    throw usage(`cannot write backups into --backup-dir ${dirText}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { dir, everyMs, keep };
}

/** A whole-number flag ≥ 1 that has no default; undefined when not given. */
function optionalIndex(flags: NodeStartFlags, name: 'unsafe-stop-applying-after'): number | undefined {
  const v = text(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`--${name} must be a whole number ≥ 1, got '${v}'`);
  return n;
}

/** `--etcd-quota-backend-bytes`: undefined for the default; at least a MiB (etcd's 0 means its default too). */
function quotaOf(flags: NodeStartFlags): number | undefined {
  const raw = text(flags, 'etcd-quota-backend-bytes');
  if (raw === undefined || raw === '0') return undefined;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 1024 * 1024) throw usage(`--etcd-quota-backend-bytes must be a whole number of bytes, at least 1048576 (1 MiB), got '${raw}'`);
  return bytes;
}

/** `--etcd-auto-compaction-*`, as etcd reads its own: undefined when the retention is 0 (keep all). */
function autoCompactionOf(flags: NodeStartFlags): AutoCompaction | undefined {
  const mode = text(flags, 'etcd-auto-compaction-mode') ?? 'periodic';
  const retention = (text(flags, 'etcd-auto-compaction-retention') ?? '0').trim();
  if (mode !== 'periodic' && mode !== 'revision') throw usage(`--etcd-auto-compaction-mode must be periodic or revision, got '${mode}'`);
  if (/^0+$/.test(retention)) return undefined;
  if (mode === 'revision') {
    if (!/^\d+$/.test(retention) || !Number.isSafeInteger(Number(retention))) throw usage(`--etcd-auto-compaction-retention must be a whole number of revisions in revision mode, got '${retention}'`);
    return { mode, retention: Number(retention) };
  }
  if (/^\d+$/.test(retention)) return { mode, retentionMs: Number(retention) * 3_600_000 };
  try {
    return { mode, retentionMs: parsePositiveDuration(retention, '--etcd-auto-compaction-retention') };
  } catch (err) {
    throw usage(`--etcd-auto-compaction-retention: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `--unsafe-clock-offset`: a duration, negative with a leading '-'; undefined when not given. */
function clockOffsetOf(flags: NodeStartFlags): number | undefined {
  const v = text(flags, 'unsafe-clock-offset');
  if (v === undefined) return undefined;
  try {
    return v.startsWith('-') ? -parseDuration(v.slice(1)) : parseDuration(v);
  } catch (err) {
    throw usage(`--unsafe-clock-offset: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `--zone`, `--region` and `--read-replica`, checked; undefined when none is set. */
function placementOf(flags: NodeStartFlags): { zone: string; region: string; readReplica?: boolean } | undefined {
  const zone = text(flags, 'zone') ?? '';
  const region = text(flags, 'region') ?? '';
  for (const [name, value] of [['--zone', zone], ['--region', region]] as const) {
    const problem = value === '' ? undefined : placementLabelProblem(value, name);
    if (problem !== undefined) throw usage(problem);
  }
  const readReplica = flag(flags, 'read-replica');
  if (readReplica) return { zone, region, readReplica };
  return zone === '' && region === '' ? undefined : { zone, region };
}

/**
 * A data dir that is a file, or cannot be created, is refused up front: the storage would fail
 * later, deep in start-up. A missing one is created to try and removed again, because whether
 * it exists decides --initial-cluster-state's default.
 */
function refuseUnusableDataDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw usage(`--data-dir ${dir} is a file, not a directory`);
    return;
  } catch (err) {
    if (err instanceof CliError) throw err;
  }
  const missing = missingDirs(dir);
  try {
    makeDirs(missing);
  } catch (err) {
    throw usage(`cannot create --data-dir ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (missing[0] !== undefined) rmSync(missing[0], { recursive: true, force: true });
  }
}

/** The directories `dir` needs created, outermost first. */
function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  return missing;
}

/**
 * Creates `dirs` one level at a time: Node's recursive mkdir spins for ever where a parent exists
 * but refuses children with ENOENT (/proc/1/nope), which is how such a member used to hang at start-up.
 */
function makeDirs(dirs: readonly string[], mode?: number): void {
  for (const d of dirs) mkdirSync(d, mode === undefined ? undefined : { mode });
}

/** A duration flag that must be above zero, as a usage error naming the flag. */
function interval(flags: NodeStartFlags, name: 'heartbeat' | 'election-timeout' | 'etcd-watch-progress-notify-interval'): number {
  try {
    return parsePositiveDuration(text(flags, name)!, `--${name}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw usage(message.includes(`--${name}`) ? message : `--${name}: ${message}`);
  }
}

/** Reads a credentials file, refusing one that others may read (as ssh does with private keys). */
/** A token file: the token, and the name the audit log records for it (see token-file.ts). */
function readToken(file: string | undefined, name: string): NamedToken | undefined {
  const text = readSecret(file, name);
  if (text === undefined) return undefined;
  try {
    return parseTokenText(text);
  } catch (err) {
    throw new UsageError(`cannot read ${name} ${file}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
}

/**
 * `--read-token-file`: one or more token files, comma-separated. Read tokens alone would leave a
 * cluster no one can write to, and a token given two roles would hold the higher one unseen:
 * both are refused.
 */
function readTokensOf(files: string | undefined, token: NamedToken | undefined, adminToken: NamedToken | undefined): { token: string; name: string | undefined }[] {
  if (files === undefined) return [];
  const read = files.split(',').map((file) => file.trim()).filter((file) => file !== '').map((file) => readToken(file, '--read-token-file')!);
  if (read.length === 0) return [];
  if (token === undefined && adminToken === undefined) throw usage('--read-token-file needs --token-file or --admin-token-file: with read-only tokens alone, nothing could write');
  const others = [token?.token, adminToken?.token];
  if (read.some((r, i) => others.includes(r.token) || read.findIndex((o) => o.token === r.token) !== i)) throw usage('--read-token-file: a read token must differ from every other token (each token has one role)');
  return read.map((r) => ({ token: r.token, name: r.name }));
}

function readSecret(file: string | undefined, name: string): string | undefined {
  if (!file) return undefined;
  refuseReadableByOthers(file, name);
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (!secret) throw new Error('the file is empty');
    return secret;
  } catch (err) {
    throw new UsageError(`cannot read ${name} ${file}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
}

/** A file the member will read at start-up, checked now so that a missing one is one line, not a stack trace. */
function refuseUnreadable(file: string, name: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new UsageError(`cannot read ${name} ${file}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
}

function refuseReadableByOthers(file: string, name: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new UsageError(`cannot read ${name} ${file}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`${name} ${file} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): credentials must be private`, `chmod 600 ${file}`);
  }
}

/** Runs the member until SIGTERM/SIGINT; `launch` is what bin/run.js says about how it loaded the member. */
export async function runNodeStart(plan: NodeStartPlan, launch?: MemberLaunch): Promise<void> {
  // Again when bin/run.js set them before compiling the bundle: the same values leave V8's flag
  // hash, which its code cache is checked against, as it was.
  for (const flag of MEMBER_V8_FLAGS) setFlagsFromString(flag);
  const warning = await plaintextTokenWarning(plan);
  if (warning !== undefined) process.stderr.write(`${warning}\n`);
  // Checked first, so a taken port is one line before any storage is opened; the bind below still
  // reports one that is taken in between.
  const listen = parseHostPort(plan.listen);
  const check = await probePort(listen.host, listen.port);
  if (!check.free && check.reason === 'EADDRINUSE') throw portInUse(new Error(`EADDRINUSE ${plan.listen}`))!;
  // Loaded here, not at the top: the oclif command imports this file for its flags, and its --help needs no member.
  const { runMember } = await import('./node-run.js');
  try {
    await runMember(plan, launch);
  } catch (err) {
    throw portInUse(err) ?? err;
  }
}

/** Tokens sent in the clear beyond this machine can be read on the way: said once, at start. */
export async function plaintextTokenWarning(plan: Pick<NodeStartPlan, 'listen' | 'token' | 'adminToken' | 'tls'>): Promise<string | undefined> {
  if ((plan.token === undefined && plan.adminToken === undefined) || plan.tls !== undefined) return undefined;
  if (await resolvesToLoopback(parseHostPort(plan.listen).host)) return undefined;
  return `warning: tokens travel in plaintext to ${plan.listen}: anyone on the path can read them; serve TLS (--tls-cert, --tls-key)`;
}

/** A listener that could not bind because the port is taken, as one line naming who holds it. */
function portInUse(err: unknown): CliError | undefined {
  const m = err instanceof Error ? /EADDRINUSE[^0-9[]*((?:\[[^\]]+\]|[^\s:]+):(\d+))/.exec(err.message) : null;
  if (m === null) return undefined;
  const holder = findListener(Number(m[2]));
  const by = holder === undefined ? '' : ` by pid ${holder.pid} (${holder.command})`;
  const which = (err as Error).message.includes('(metrics)') ? ' (metrics)' : '';
  return new CliError(`cannot listen on ${m[1]}${which}: the port is in use${by}`, { hint: `stop that process, or choose another ${which ? '--metrics-listen' : 'address'}`, cause: err });
}

/** The lean entry: `argv` is what follows `fleet node start`. Returns the exit code. */
export async function mainNodeStart(argv: readonly string[], version: string, launch?: MemberLaunch): Promise<number> {
  let plan: NodeStartPlan;
  try {
    const specs = Object.entries(NODE_START_FLAGS) as [FlagName, FlagSpec][];
    // Node 20's parseArgs has no negated booleans: each `--no-NAME` is an option of its own.
    const negated = specs.filter(([, spec]) => spec.allowNo === true).map(([name]) => name);
    const options = Object.fromEntries([
      ...specs.map(([name, spec]) => [name, { type: spec.type === 'boolean' ? 'boolean' : 'string' }] as const),
      ...negated.map((name) => [`no-${name}`, { type: 'boolean' }] as const),
    ]);
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    for (const name of negated) {
      if (values[`no-${name}`] === true) values[name] = false;
      delete values[`no-${name}`];
    }
    plan = await planNodeStart(values as NodeStartFlags, version);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`fleet node start: ${message}${err instanceof CliError && err.hint ? ` (${err.hint})` : ''}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.usage;
  }
  try {
    await runNodeStart(plan, launch);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`fleet node start: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
      return err.exitCode;
    }
    if (!isStartRefusal(err)) throw err;
    // Headed by the error's name, as Node prints the exception: `fleet init`/`up` quote that line when a member dies.
    process.stderr.write(`${err.name}: ${oneLine(err.message)}\n`);
    return EXIT.error;
  }
  return EXIT.ok;
}

/**
 * Why a member would not start that its message explains whole (what is wrong, what to do): a
 * full disk, a data dir that is locked, damaged or not a member's, a member that lost its data, a
 * member log that cannot be opened (a symbolic link planted in its place).
 * Printed as one line without a stack trace; anything else is a bug and keeps its stack trace.
 */
const START_REFUSALS: ReadonlySet<string> = new Set(['StorageFullError', 'StorageLockedError', 'StorageLayoutError', 'StorageCorruptionError', 'MemberStateLostError', 'DataFormatError', 'LogFileError']);

function isStartRefusal(err: unknown): err is Error {
  return err instanceof Error && START_REFUSALS.has(err.name);
}
