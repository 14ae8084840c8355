/**
 * The first-contact side workload: the registry's binding rule under faults. Several clients race
 * to contact fresh cluster names, each naming a random shard; the registry must let exactly one
 * shard win each name, and every answer about that name — acknowledgements, ALREADY_BOUND
 * refusals, the read after the round — must name that one shard.
 */
import { createHash } from 'node:crypto';
import type { FleetClient } from '../../../client/index.js';
import { LIMITS } from '../../../common/registry/registry-limits.js';
import { nsToMs, pause } from '../clock.js';
import { errorLabel, writeOutcome } from '../register-client.js';
import type { CheckResult, Outcome } from '../types.js';
import { ClientLoops } from './client-loops.js';
import type { SideOp, SideVerdict, SideWorkload, SideWorkloadOptions } from './types.js';

/** What the workload needs of the registry. Every method throws on failure (a FleetClientError for cluster answers). */
export interface ContactClient {
  /** Registers a shard to bind to (accepted again if it exists). */
  registerShard(id: string): Promise<void>;
  /** Contacts `cluster` naming `shard`: answers the shard it is bound to; throws when it is bound elsewhere (FleetClientError ALREADY_BOUND with details.currentShard for a cluster). */
  contact(cluster: string, shard: string): Promise<{ shard: string | null }>;
  /** The shard `cluster` is bound to (linearizable), null if unbound, undefined if unknown. */
  boundShard(cluster: string): Promise<string | null | undefined>;
  /** Best-effort removal of what the workload made. */
  removeCluster(cluster: string): Promise<void>;
  removeShard(id: string): Promise<void>;
  close(): void;
}

/**
 * Room for every cluster a round can bind: a full shard refuses first contacts
 * (FAILED_PRECONDITION), which would only thin out the races.
 */
const SHARD_CAPACITY = 1_000_000;

/**
 * A ContactClient over FleetClient. A shard's settings are derived from its id alone, so
 * registering it again (a retry whose answer was lost) is the identical re-registration the
 * registry accepts. Its address must be unique in the registry (two shards may not share one) and
 * a valid host name, so it is a hash of the id under the reserved `.invalid` domain: rounds whose
 * shards are still registered (cleanup runs at the end of the drill) do not collide.
 */
export function fleetContactClient(client: FleetClient): ContactClient {
  return {
    registerShard: async (id) => {
      await client.registerShard({ id, address: shardAddress(id), region: 'drill', zone: 'drill', capacity: SHARD_CAPACITY });
    },
    contact: async (cluster, shard) => ({ shard: (await client.contact(cluster, shard)).cluster.shard }),
    boundShard: async (cluster) => (await client.getCluster(cluster, { consistency: 'linearizable' }))?.shard,
    // There is no command that forgets a cluster: an unbound cluster stays in the registry as a record until `cluster.prune` drops it.
    removeCluster: async (cluster) => void (await client.unbind(cluster)),
    removeShard: async (id) => void (await client.removeShard(id, { force: true })),
    close: () => client.close(),
  };
}

/** `<hash>.drill.invalid:7000`: a host label of the id's hash (ids may hold characters host names may not). */
function shardAddress(id: string): string {
  return `shard-${createHash('sha256').update(id).digest('hex').slice(0, 16)}.drill.invalid:7000`;
}

/** Shards to race for, unless told. */
const DEFAULT_SHARDS = 3;
/**
 * A new name is opened every this many contacts (all clients together)... Few enough names: each
 * stays in the registry as an unbound cluster record after the drill (nothing deletes one name;
 * `fleet clusters prune` forgets them with everything else not seen for its age).
 */
const CONTACTS_PER_NAME = 16;
/** ...and each contact picks one of the newest this many, so several clients contact a name at nearly the same time. */
const NEWEST_NAMES = 3;
/** Attempts at a shard registration or a read-back before giving up. */
const ATTEMPTS = 5;
const RETRY_PAUSE_MS = 200;
/** Reads and removals in flight at once in verify and cleanup: a round may leave thousands of names. */
const PARALLEL = 16;

/** Creates the workload of one round. */
export function createFirstContactWorkload(opts: SideWorkloadOptions<ContactClient>, settings: { shards?: number } = {}): SideWorkload {
  return new FirstContactWorkload(opts, settings.shards ?? DEFAULT_SHARDS);
}

class FirstContactWorkload implements SideWorkload {
  readonly name = 'first-contact' as const;
  readonly #opts: SideWorkloadOptions<ContactClient>;
  readonly #random: () => number;
  readonly #prefix: string;
  readonly #shards: string[];
  readonly #ops: SideOp[] = [];
  readonly #loops = new ClientLoops<ContactClient>();
  /** Cluster names opened so far: `<prefix>-c0` up to `<prefix>-c<opened - 1>`. */
  #opened = 0;
  /** Contacts begun so far, by every client. */
  #begun = 0;
  /** Why the shards could not be registered (then no client ran). */
  #setupError: string | undefined;

  constructor(opts: SideWorkloadOptions<ContactClient>, shards: number) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
    this.#prefix = registryName(opts.prefix);
    this.#shards = Array.from({ length: shards }, (_, i) => `${this.#prefix}-s${i}`);
  }

  /** Registers the shards, then starts the clients; if the shards cannot be registered, verify says so. */
  async start(): Promise<void> {
    this.#setupError = await this.#registerShards();
    // Stopped meanwhile (another workload's start failed): clients started now would never be stopped.
    if (this.#setupError !== undefined || this.#loops.stopping) return;
    this.#loops.start(this.#opts.clients, this.#opts.newClient, (i, client) => this.#loop(i, client));
  }

  async stop(): Promise<void> {
    await this.#loops.stop();
  }

  async verify(): Promise<SideVerdict> {
    if (this.#setupError !== undefined) return this.#verdict({ ok: false, detail: `could not register the shards to contact: ${this.#setupError}` }, 'slo');
    const clusters = [...new Set(this.#ops.map((op) => op.key))];
    const finals = await withClient(this.#opts.newClient, (client) => readFinals(client, clusters)).catch((err: unknown) => messageOf(err));
    if (typeof finals === 'string') return this.#verdict({ ok: false, detail: `could not read back the ${clusters.length} contacted clusters: ${finals}` }, 'slo');
    return this.#verdict(checkFirstContact(this.#ops, finals), 'safety');
  }

  /**
   * Force-removing a shard unbinds every cluster bound to it in one entry, so the clusters are
   * unbound one by one only when a shard could not be removed.
   */
  async cleanup(): Promise<void> {
    const clusters = [...new Set(this.#ops.map((op) => op.key))];
    await withClient(this.#opts.newClient, async (client) => {
      const removed = await Promise.all(this.#shards.map((id) => client.removeShard(id).then(() => true, () => false)));
      if (removed.every(Boolean)) return;
      await forEachLimited(clusters, PARALLEL, (cluster) => client.removeCluster(cluster).catch(() => undefined));
    }).catch(() => undefined);
  }

  /** Registers every shard, retrying each a few times; answers the last error if one never registered. */
  async #registerShards(): Promise<string | undefined> {
    return withClient(this.#opts.newClient, async (client) => {
      for (const id of this.#shards) {
        const error = await retried(() => client.registerShard(id));
        if (error !== undefined) return `${id}: ${error}`;
      }
      return undefined;
    }).catch((err: unknown) => messageOf(err));
  }

  async #loop(index: number, client: ContactClient): Promise<void> {
    while (!this.#loops.stopping) {
      const cluster = this.#pickCluster();
      const shard = this.#shards[Math.floor(this.#random() * this.#shards.length)]!;
      await this.#contact(index, client, cluster, shard);
    }
  }

  /** Opens a new name every CONTACTS_PER_NAME contacts, and picks one of the newest few. */
  #pickCluster(): string {
    if (this.#begun++ % CONTACTS_PER_NAME === 0) this.#opened++;
    const newest = Math.min(NEWEST_NAMES, this.#opened);
    return `${this.#prefix}-c${this.#opened - 1 - Math.floor(this.#random() * newest)}`;
  }

  /** One contact, recorded: ok with the shard answered, an ALREADY_BOUND refusal with the shard it names, or the error's outcome. */
  async #contact(client: number, contactClient: ContactClient, cluster: string, shard: string): Promise<void> {
    const startNs = this.#opts.clock.nowNs();
    const op = { client, f: 'contact', key: cluster, input: shard, startNs };
    try {
      const answer = await contactClient.contact(cluster, shard);
      this.#ops.push({ ...op, output: answer.shard, outcome: 'ok', endNs: this.#opts.clock.nowNs() });
    } catch (err) {
      const outcome = writeOutcome(err);
      this.#ops.push({ ...op, output: outcome === 'fail' ? boundElsewhere(err) : null, outcome, endNs: this.#opts.clock.nowNs(), error: errorLabel(err) });
    }
  }

  #verdict(result: { ok: boolean; detail: string; anomaly?: SideVerdict['anomaly'] }, severity: CheckResult['severity']): SideVerdict {
    const count = (outcome: Outcome): number => this.#ops.filter((op) => op.outcome === outcome).length;
    return {
      name: this.name,
      check: { name: this.name, ok: result.ok, detail: result.detail, severity },
      ops: this.#ops.length,
      acknowledged: count('ok'),
      failed: count('fail'),
      indeterminate: count('info'),
      ...(result.anomaly === undefined ? {} : { anomaly: result.anomaly }),
    };
  }
}

/**
 * `prefix` as the start of a registry name (src/common/registry/registry-validate.ts: letters, digits and
 * `-._:/@`, starting with a letter or digit, at most 253 long). `/` is allowed, but the run id in
 * the prefix may hold anything, so every other character becomes `-`; a prefix too long to leave
 * room for the suffixes is cut and keeps a hash of the whole, so it stays unique.
 */
function registryName(prefix: string): string {
  const cleaned = prefix.replace(/[^A-Za-z0-9._:/@-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  const name = cleaned === '' ? 'drill' : cleaned;
  const room = LIMITS.maxNameLength - 32;
  return name.length <= room ? name : `${name.slice(0, room - 17)}-${createHash('sha256').update(prefix).digest('hex').slice(0, 16)}`;
}

/** The shard an ALREADY_BOUND refusal says the cluster is bound to; null for any other refusal. */
function boundElsewhere(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, details } = err as { code?: unknown; details?: { currentShard?: unknown } };
  return code === 'ALREADY_BOUND' && typeof details?.currentShard === 'string' ? details.currentShard : null;
}

/**
 * The bound shard of each cluster, each read retried a few times. Throws once one stays
 * unreadable: the round cannot be checked then, and reading on would only wait on more retries.
 */
async function readFinals(client: ContactClient, clusters: readonly string[]): Promise<Map<string, string | null | undefined>> {
  const shards = new Map<string, string | null | undefined>();
  let unreadable: string | undefined;
  await forEachLimited(clusters, PARALLEL, async (cluster) => {
    if (unreadable !== undefined) return;
    const error = await retried(async () => void shards.set(cluster, await client.boundShard(cluster)));
    if (error !== undefined) unreadable ??= `${cluster}: ${error}`;
  });
  if (unreadable !== undefined) throw new Error(unreadable);
  return shards;
}

/** Runs `task` up to ATTEMPTS times; answers undefined once it succeeds, else the last error's message. */
async function retried(task: () => Promise<void>): Promise<string | undefined> {
  let error = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      await task();
      return undefined;
    } catch (err) {
      error = messageOf(err);
      if (attempt < ATTEMPTS) await pause(RETRY_PAUSE_MS);
    }
  }
  return error;
}

/** Runs `use` with a fresh client and closes it after. */
async function withClient<T>(newClient: () => ContactClient, use: (client: ContactClient) => Promise<T>): Promise<T> {
  const client = newClient();
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** Runs `task` on every item, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A finding of the check: what broke, in words, and the operations that show it, oldest first. */
type Anomaly = { summary: string; ops: SideOp[] };

/** An answer that named the shard a cluster is bound to: an ok contact, an ALREADY_BOUND refusal, or the read after the round. */
interface Claim {
  readonly shard: string | null | undefined;
  readonly op: SideOp;
}

/**
 * Checks each contacted cluster: every answer that names the shard it is bound to (ok contacts,
 * ALREADY_BOUND refusals, the final read in `finals`) names the same one; a cluster any answer
 * said was bound is still bound after the round; and the winner is a shard one of its contacts
 * named. Contacts with an unknown outcome (info) may or may not have won; plain refusals (fail
 * without a shard) won nothing. Reports the first cluster that breaks a rule.
 */
export function checkFirstContact(ops: readonly SideOp[], finals: ReadonlyMap<string, string | null | undefined>): { ok: boolean; detail: string; anomaly?: Anomaly } {
  const byCluster = new Map<string, SideOp[]>();
  for (const op of ops) {
    if (op.f !== 'contact') continue;
    const contacts = byCluster.get(op.key);
    if (contacts === undefined) byCluster.set(op.key, [op]);
    else contacts.push(op);
  }
  // The read came after every contact ended: it is shown at the time of the last of them.
  const readNs = ops.reduce((latest, op) => Math.max(latest, op.endNs), 0);
  const anomalies: Anomaly[] = [];
  for (const [cluster, contacts] of byCluster) {
    const anomaly = checkCluster(cluster, contacts, finalRead(cluster, finals.get(cluster), readNs));
    if (anomaly !== undefined) anomalies.push(anomaly);
  }
  const contacts = [...byCluster.values()].reduce((n, c) => n + c.length, 0);
  if (anomalies.length === 0) return { ok: true, detail: `${byCluster.size} clusters contacted, ${contacts} contacts, each bound to exactly one shard` };
  const first = anomalies[0]!;
  return { ok: false, detail: `${anomalies.length} of ${byCluster.size} contacted clusters broke first-contact-wins; ${first.summary}`, anomaly: first };
}

/** The verifier's read of `cluster` after the round, as an operation (client -1: not a workload client). */
function finalRead(cluster: string, shard: string | null | undefined, atNs: number): SideOp {
  return { client: -1, f: 'read', key: cluster, input: null, output: shard, outcome: 'ok', startNs: atNs, endNs: atNs };
}

function checkCluster(cluster: string, contacts: readonly SideOp[], read: SideOp): Anomaly | undefined {
  const answers = contacts.filter((op) => op.outcome === 'ok' || (op.outcome === 'fail' && typeof op.output === 'string'));
  const claims: Claim[] = answers.map((op) => ({ shard: op.output as string | null, op })).sort((a, b) => a.op.endNs - b.op.endNs);
  return (
    acceptedElsewhere(cluster, contacts) ??
    twoWinners(cluster, [...claims, { shard: read.output as string | null | undefined, op: read }]) ??
    lostBinding(cluster, claims, read) ??
    unnamedWinner(cluster, contacts, read)
  );
}

/** An acknowledged contact must answer the shard it named: bound elsewhere, it should have been refused. */
function acceptedElsewhere(cluster: string, contacts: readonly SideOp[]): Anomaly | undefined {
  const op = contacts.find((c) => c.outcome === 'ok' && c.output !== c.input);
  if (op === undefined) return undefined;
  return { summary: `${cluster}: a contact naming ${String(op.input)} was acknowledged at ${nsToMs(op.endNs)} ms as ${where(op.output)}, not refused`, ops: [op] };
}

/** Every answer that names a bound shard names the same one. A final read of unbound or unknown is a lost binding, not a winner. */
function twoWinners(cluster: string, claims: readonly Claim[]): Anomaly | undefined {
  const bound = claims.filter((c): c is Claim & { shard: string } => typeof c.shard === 'string');
  const first = bound[0];
  const other = bound.find((c) => c.shard !== first?.shard);
  if (first === undefined || other === undefined) return undefined;
  return { summary: `two winners: ${cluster} was ${answered(first)} and ${answered(other)}`, ops: [first.op, other.op] };
}

/** A cluster some answer said was bound (nothing in the workload unbinds) is still bound after the round. */
function lostBinding(cluster: string, claims: readonly Claim[], read: SideOp): Anomaly | undefined {
  if (typeof read.output === 'string' || claims.length === 0) return undefined;
  const first = claims[0]!;
  return { summary: `lost binding: ${cluster} was ${answered(first)} but ${answered({ shard: read.output as null | undefined, op: read })}`, ops: [first.op, read] };
}

/** The winner is a shard one of the cluster's contacts named. */
function unnamedWinner(cluster: string, contacts: readonly SideOp[], read: SideOp): Anomaly | undefined {
  const winner = read.output;
  if (typeof winner !== 'string' || contacts.some((op) => op.input === winner)) return undefined;
  return { summary: `${cluster} is bound to ${winner}, which none of its ${contacts.length} contacts named`, ops: [read] };
}

/** "answered bound to s0 at 812 ms", "refused at 830 ms as already bound to s2", or "read back unbound after the round". */
function answered(claim: Claim): string {
  if (claim.op.f === 'read') return `read back ${where(claim.shard)} after the round`;
  if (claim.op.outcome === 'fail') return `refused at ${nsToMs(claim.op.endNs)} ms as already ${where(claim.shard)}`;
  return `answered ${where(claim.shard)} at ${nsToMs(claim.op.endNs)} ms`;
}

function where(shard: unknown): string {
  if (shard === undefined) return 'unknown to the registry';
  return typeof shard === 'string' ? `bound to ${shard}` : 'unbound';
}
