/**
 * A group membership on a session (Curator's GroupMember, etcd's keys under a lease): a member
 * joins with metadata and stays listed exactly as long as its session lives. Its entry is a
 * lease `members/GROUP/SESSION` kept alive by the session, so it leaves when the session is
 * closed, lost, or its process dies (after the TTL); the metadata sits beside it in the KV
 * namespace `recipes.members`, written before the lease, so whoever sees the join can read it.
 * `watch()` follows the change feed from the index its first list was read at: no join or leave
 * is missed, and nothing polls. Not covered: a member paused past its TTL is listed as gone
 * while it still runs; what it does under the membership should be fenced.
 */
import { FleetClientError } from '../errors.js';
import type { FleetClient } from '../fleet-client.js';
import type { Consistency, LeaseStatus } from '../types.js';
import type { Session } from './session.js';
import { pause } from './wait.js';

/** Where memberships keep their members' metadata (key `GROUP/SESSION-ID`). */
export const MEMBERSHIP_NS = 'recipes.members';

/** A live member of a group. */
export interface GroupMember {
  /** The member's session id (its holder name). */
  readonly id: string;
  /** What it joined with. */
  readonly meta: Readonly<Record<string, string>>;
  /** The fencing token of its membership lease: a member that joins again gets a larger one. */
  readonly token: number;
}

/** A change of a group's members: the whole list after it, and who joined and left. The first one lists everyone as joined. */
export interface MembershipChange {
  readonly members: readonly GroupMember[];
  readonly joined: readonly GroupMember[];
  readonly left: readonly GroupMember[];
  /** The Raft index the list was read at. */
  readonly index: number;
}

/** The pause before following the feed again after no member could serve it for a while. */
const RESUME_MS = 200;

export class Membership {
  readonly #prefix: string;

  constructor(
    readonly session: Session,
    /** The group's name (a registry name: letters, digits and `-._:/@`). */
    readonly group: string,
  ) {
    this.#prefix = `members/${group}/`;
  }

  /** The lease that keeps this session in the group. */
  get lease(): string {
    return `${this.#prefix}${this.session.id}`;
  }

  /** Whether this session is in the group (joined, and its session lives). */
  get joined(): boolean {
    return this.session.ended === undefined && this.session.tokenOf(this.lease) !== undefined;
  }

  /**
   * Joins the group with `meta` (joining again replaces it); answers this member's entry. The
   * entry stays while the session lives. Also removes what members that died left behind.
   */
  async join(meta: Readonly<Record<string, string>> = {}): Promise<GroupMember> {
    const what = `joining ${this.group}`;
    this.session.checkLive(what);
    const client = this.session.client;
    await client.kvPut(`${this.group}/${this.session.id}`, JSON.stringify(meta), { ns: MEMBERSHIP_NS });
    const { lease } = await client.acquireLease(this.lease, this.session.id, this.session.ttlMs);
    this.session.keep(this.lease, lease.token);
    await this.#sweep(client);
    return { id: this.session.id, meta, token: lease.token };
  }

  /** Leaves the group at once (a no-op when not in it); the others see the leave. */
  async leave(): Promise<void> {
    if (await this.session.release(this.lease)) {
      await this.session.client.kvDelete(`${this.group}/${this.session.id}`, { ns: MEMBERSHIP_NS }).catch(() => undefined);
    }
  }

  /** The live members, ordered by id. */
  async list(consistency: Consistency = 'linearizable'): Promise<GroupMember[]> {
    this.session.checkLive(`listing ${this.group}`);
    return (await this.#read(consistency)).members;
  }

  /**
   * The members now, then each change as members join and leave, until `signal` fires or the
   * session ends (closed, lost, or its client closed): then the iteration ends. Rejects with
   * SESSION_ENDED or CLIENT_CLOSED when called on a session that already ended.
   */
  async *watch(signal?: AbortSignal): AsyncGenerator<MembershipChange> {
    this.session.checkLive(`watching ${this.group}`);
    const stop = signal === undefined ? this.session.signal : AbortSignal.any([signal, this.session.signal]);
    let last: { members: GroupMember[]; index: number };
    try {
      last = await this.#read('linearizable');
    } catch (err) {
      if (stop.aborted) return; // the session ended (or its client closed) while the list was read
      throw err;
    }
    yield { members: last.members, joined: last.members, left: [], index: last.index };
    while (!stop.aborted) {
      try {
        for await (const batch of this.session.client.watch({ registry: 'leases', prefix: this.#prefix, fromIndex: last.index + 1, signal: stop })) {
          if (!batch.events.some((e) => this.#isEntry(e.key))) continue;
          const now = await this.#read({ minIndex: batch.index });
          const change = diff(last.members, now.members, now.index);
          last = now;
          if (change.joined.length > 0 || change.left.length > 0) yield change;
        }
      } catch (err) {
        if (stop.aborted) return;
        // No member served the feed for a while (the cluster lost its quorum): follow it again from the last list.
        if (!(err instanceof FleetClientError) || !err.retryable) throw err;
        await pause(RESUME_MS, stop);
      }
    }
  }

  /** The live members and the index they were read at. */
  async #read(consistency: Consistency): Promise<{ members: GroupMember[]; index: number }> {
    const client = this.session.client;
    let index = 0;
    const leases = (await client.listLeases({ consistency, onServed: (s) => (index = s.appliedIndex) })).filter((l) => this.#isEntry(l.name) && !l.expired);
    const metas = await kvAll(client, `${this.group}/`, { minIndex: index });
    const members = leases.map((l) => ({ id: l.holder, token: l.token, meta: parseMeta(metas.get(`${this.group}/${l.holder}`)) }));
    return { members: members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), index };
  }

  /** Whether lease `name` is a member entry of this group (not of a group named GROUP/more). */
  #isEntry(name: string): boolean {
    return name.startsWith(this.#prefix) && !name.slice(this.#prefix.length).includes('/');
  }

  /** Removes the entries of members whose session expired (their process died): their lease and metadata. Best effort. */
  async #sweep(client: FleetClient): Promise<void> {
    const dead = (await client.listLeases()).filter((l: LeaseStatus) => this.#isEntry(l.name) && l.expired);
    for (const l of dead) {
      await client.releaseLease(l.name, l.holder, l.token).catch(() => undefined);
      await client.kvDelete(`${this.group}/${l.holder}`, { ns: MEMBERSHIP_NS }).catch(() => undefined);
    }
  }
}

/** Who joined and left between two lists (a member that joined again, with a new token, did both). */
function diff(before: readonly GroupMember[], after: readonly GroupMember[], index: number): MembershipChange {
  const key = (m: GroupMember): string => `${m.id}#${m.token}`;
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  return { members: after, joined: after.filter((m) => !had.has(key(m))), left: before.filter((m) => !has.has(key(m))), index };
}

async function kvAll(client: FleetClient, prefix: string, consistency: Consistency): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await client.kvList({ ns: MEMBERSHIP_NS, prefix, consistency, ...(after === undefined ? {} : { after }) });
    for (const e of page.items) values.set(e.key, e.value);
    after = page.next;
  } while (after !== undefined);
  return values;
}

function parseMeta(json: string | undefined): Readonly<Record<string, string>> {
  if (json === undefined) return {};
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
