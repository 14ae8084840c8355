/**
 * `fleet debug bundle`: what a bug report needs, in one tarball (as `consul debug` gathers it).
 * From every member it reaches: its status and the membership it knows; for a local cluster
 * (where the data dirs are on this machine) also each member's metrics, the tail of its logs,
 * summaries of its write-ahead log and snapshots, and the cluster's manifest. A manifest.json
 * lists every file and every problem met. No secret leaves: tokens, peer secrets and private
 * keys are never read into the bundle, and every file is scrubbed of their values before it is
 * written (test/e2e/debug-bundle.test.ts looks for them in the tarball).
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { EndpointStatus } from '../client/index.js';
import { readDebugLog } from './debug-log.js';
import { metricsUrl } from './local-cluster/monitoring.js';
import { readManifest, type ClusterManifest } from './local-cluster/manifest.js';

/** What the bundle is gathered from. */
export interface BundleSource {
  /** Status of every member (FleetClient.statusAll). */
  statusAll(): Promise<EndpointStatus[]>;
  /** Where the target came from, credentials left out: written as config/target.json. */
  readonly target: Readonly<Record<string, unknown>>;
  /** A local cluster's home (the context's `local.dataDir`): its manifest, data dirs and logs are read too. */
  readonly localHome?: string;
  /** Values that must never appear in the bundle (tokens, the peer secret); scrubbed from every file. */
  readonly secrets: readonly string[];
}

export interface BundleOptions {
  /** The tarball to write (.tar.gz); written whole or not at all. */
  readonly output: string;
  /** Lines kept from the end of each log. */
  readonly logLines: number;
  readonly fleetVersion: string;
  /** Reads a member's /metrics (injected for tests). */
  readonly fetchText?: (url: string) => Promise<string>;
}

/** One file of the bundle and what it holds. */
export interface BundleFile {
  readonly path: string;
  readonly bytes: number;
  readonly what: string;
}

export interface BundleResult {
  readonly file: string;
  readonly bytes: number;
  readonly files: readonly BundleFile[];
  /** What could not be gathered, one line each (an unreachable member, a missing log). */
  readonly problems: readonly string[];
  readonly membersAnswered: number;
  readonly membersAsked: number;
}

const REDACTED = '[redacted]';
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** The files being gathered into a staging directory, each scrubbed as it is written. */
class Staging {
  readonly files: BundleFile[] = [];
  readonly problems: string[] = [];

  constructor(
    readonly dir: string,
    private readonly secrets: readonly string[],
  ) {}

  async add(path: string, what: string, content: string | object): Promise<void> {
    const text = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
    const clean = this.scrub(text);
    await mkdir(dirname(join(this.dir, path)), { recursive: true });
    await writeFile(join(this.dir, path), clean, { mode: 0o600 });
    this.files.push({ path, bytes: Buffer.byteLength(clean), what });
  }

  scrub(text: string): string {
    let out = text.replace(PRIVATE_KEY, REDACTED);
    // Longest first, so a secret containing another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) if (s.length >= 8) out = out.split(s).join(REDACTED);
    return out;
  }
}

/** Gathers the bundle and writes `opts.output`. Never throws for a member it cannot reach: that is a problem listed. */
export async function writeDebugBundle(source: BundleSource, opts: BundleOptions): Promise<BundleResult> {
  const staging = new Staging(await mkdtemp(join(tmpdir(), 'fleet-bundle-')), source.secrets);
  try {
    await staging.add('config/target.json', 'the target: endpoints, context and engine (credentials left out)', source.target);
    const statuses = await source.statusAll();
    await addStatuses(staging, statuses);
    if (source.localHome !== undefined) await addLocalCluster(staging, source.localHome, opts);
    else staging.problems.push('not a local cluster: logs, WAL and snapshot summaries are read from data dirs; run fleet debug bundle on each member\'s host with a local context for them');
    const answered = statuses.filter((s) => s.ok).length;
    const manifest = { kind: 'fleet-debug-bundle', version: 1, createdAt: new Date().toISOString(), fleetVersion: opts.fleetVersion, membersAsked: statuses.length, membersAnswered: answered, problems: staging.problems, files: staging.files };
    await staging.add('manifest.json', 'this list', manifest);
    const bytes = await packTarball(staging.dir, staging.files.map((f) => f.path), opts.output);
    return { file: opts.output, bytes, files: staging.files, problems: staging.problems, membersAnswered: answered, membersAsked: statuses.length };
  } finally {
    await rm(staging.dir, { recursive: true, force: true });
  }
}

async function addStatuses(staging: Staging, statuses: readonly EndpointStatus[]): Promise<void> {
  for (const s of statuses) {
    const name = s.ok ? s.status.id : s.endpoint.replace(/[^A-Za-z0-9._-]/g, '_');
    if (!s.ok) staging.problems.push(`${s.endpoint}: ${s.error.message}`);
    await staging.add(`members/${name}/status.json`, `${s.endpoint}'s status, as it answered`, s.ok ? { endpoint: s.endpoint, rttMs: s.rttMs, status: s.status } : { endpoint: s.endpoint, error: s.error.message });
  }
  const leader = statuses.find((s) => s.ok && s.status.role === 'leader');
  const reference = leader ?? statuses.find((s) => s.ok);
  if (reference?.ok) await staging.add('membership.json', `the membership as ${reference.status.id} knows it`, { from: reference.status.id, leader: reference.status.leaderId, term: reference.status.term, members: reference.status.members });
}

async function addLocalCluster(staging: Staging, home: string, opts: BundleOptions): Promise<void> {
  const manifest = await readManifest(join(home, 'cluster.json')).catch(() => undefined);
  if (manifest === undefined) {
    staging.problems.push(`${home}: no cluster manifest (cluster.json)`);
    return;
  }
  await staging.add('config/cluster.json', 'the local cluster\'s manifest: members, ports, data dirs, timing', manifest);
  for (const m of manifest.members) await addLocalMember(staging, m, home, opts);
}

async function addLocalMember(staging: Staging, m: ClusterManifest['members'][number], home: string, opts: BundleOptions): Promise<void> {
  const at = `members/${m.id}`;
  const url = metricsUrl(m);
  if (url !== null) {
    await (opts.fetchText ?? fetchText)(url).then(
      (text) => staging.add(`${at}/metrics.txt`, `${m.id}'s /metrics`, text),
      (err: Error) => staging.problems.push(`${m.id}: metrics at ${url}: ${err.message}`),
    );
  }
  await addTail(staging, join(home, 'logs', `${m.id}.log`), `${at}/process.log`, `the last ${opts.logLines} lines of ${m.id}'s process output`, opts.logLines);
  await addTail(staging, join(m.dataDir, 'logs', `${m.id}.log`), `${at}/member.log`, `the last ${opts.logLines} lines of ${m.id}'s own log`, opts.logLines);
  await addWalSummary(staging, m.dataDir, `${at}/wal.json`, m.id);
  await addSnapshots(staging, m.dataDir, `${at}/snapshots.json`, m.id);
}

async function addTail(staging: Staging, file: string, path: string, what: string, lines: number): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) {
    staging.problems.push(`${basename(dirname(dirname(path)))}/${basename(path)}: ${file} not found`);
    return;
  }
  await staging.add(path, what, `${text.split('\n').slice(-lines - 1).join('\n')}`);
}

async function addWalSummary(staging: Staging, dataDir: string, path: string, id: string): Promise<void> {
  try {
    const log = await readDebugLog(dataDir, { raw: true });
    const entries = log.records.flatMap((r) => (r.kind === 'entry' ? [r.index] : []));
    const summary = { walDir: log.walDir, segments: log.segments, records: log.records.length, entries: entries.length, firstIndex: entries[0] ?? null, lastIndex: entries.at(-1) ?? null, damage: log.damage };
    await staging.add(path, `${id}'s write-ahead log: segments, entry range, damage (no entry contents)`, summary);
  } catch (err) {
    staging.problems.push(`${id}: WAL: ${(err as Error).message}`);
  }
}

async function addSnapshots(staging: Staging, dataDir: string, path: string, id: string): Promise<void> {
  const dir = join(dataDir, 'raft', 'snap');
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: (await stat(join(dir, name))).size })));
  await staging.add(path, `${id}'s snapshot files and their sizes (no contents)`, { dir, files });
}

function fetchText(url: string): Promise<string> {
  return fetch(url, { signal: AbortSignal.timeout(3_000) }).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.text();
  });
}

/** Packs the staged files into a gzipped tarball, written beside `output` and renamed: a half-written bundle never takes its name. */
async function packTarball(dir: string, files: readonly string[], output: string): Promise<number> {
  const { create } = await import('tar');
  const part = `${output}.part-${process.pid}`;
  try {
    // Member addresses and logs: for the one who asked, like the data dir itself.
    await writeFile(part, '', { mode: 0o600 });
    await create({ gzip: true, file: part, cwd: dir, portable: true }, [...files]);
    await rename(part, output);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return (await stat(output)).size;
}
