/**
 * A group membership on a session (Curator's GroupMember): a member is the key
 * `members/GROUP/SESSION-ID`, its metadata as JSON, tied to its session's lease. It is listed
 * exactly as long as that key exists: `leave()` deletes it, `session.close()` revokes the lease
 * and so deletes it at once, and a process that dies leaves it to the lease's expiry — nothing is
 * left behind in any case, and nothing needs sweeping. `watch()` follows the group's keys from the
 * revision its first list was read at: no join or leave is missed, and nothing polls.
 *
 * Not covered: a member paused past its TTL is listed as gone while it still runs; fence what it
 * does under the membership (ShardLeases does).
 */
import { FleetClientError } from '../errors.js';
import { etcdAccessOf } from '../etcd/access.js';
import { CompactedError, follow } from '../etcd/follow.js';
import { bytes } from '../etcd/txn.js';
import { prefixEnd } from '../../common/etcd-keys.js';
import { checkName, checkValue } from './limits.js';
import { byRevision } from './order.js';
import type { Session } from './session.js';

/** A live member of a group. */
export interface GroupMember {
  /** The member's session id. */
  readonly id: string;
  /** What it joined with. */
  readonly meta: Readonly<Record<string, string>>;
  /** The create revision of its key: a member that leaves and joins again gets a larger one. */
  readonly token: number;
}

/** A change of a group's members: the whole list after it, and who joined and left. The first one lists everyone as joined. */
export interface MembershipChange {
  readonly members: readonly GroupMember[];
  readonly joined: readonly GroupMember[];
  readonly left: readonly GroupMember[];
  /** The keyspace revision the list is as of. */
  readonly revision: number;
}

export class Membership {
  readonly #prefix: string;
  #joined = false;

  constructor(
    readonly session: Session,
    /** The group's name: its members are the keys under `members/GROUP/`. */
    readonly group: string,
  ) {
    checkName(`group ${group}`, group);
    this.#prefix = `members/${group}/`;
  }

  /** This session's key in the group. */
  get key(): string {
    return `${this.#prefix}${this.session.id}`;
  }

  /** Whether this session is in the group (joined, not left, and its session lives). */
  get joined(): boolean {
    return this.#joined && this.session.ended === undefined;
  }

  /** Joins the group with `meta` (joining again replaces it); answers this member's entry. It stays while the session lives. */
  async join(meta: Readonly<Record<string, string>> = {}): Promise<GroupMember> {
    const what = `joining ${this.group}`;
    this.session.checkLive(what);
    const value = JSON.stringify(meta);
    checkValue(what, value);
    const access = etcdAccessOf(this.session.client);
    const lease = await this.session.lease();
    const k = bytes(this.key);
    await access.run(what, (ep) => access.etcd.put(ep, k, bytes(value), undefined, lease));
    const kv = (await access.run(what, (ep) => access.etcd.range(ep, k))).kvs[0];
    this.session.checkLive(what);
    if (kv === undefined) throw new FleetClientError('invalid', `${what}: the key was deleted at once: the session's lease ended`, { code: 'SESSION_ENDED' });
    this.#joined = true;
    return { id: this.session.id, meta, token: kv.createRevision };
  }

  /** Leaves the group at once (a no-op when not in it); the others see the leave. */
  async leave(): Promise<void> {
    if (!this.joined) return;
    this.#joined = false;
    const access = etcdAccessOf(this.session.client);
    await access.run(`leaving ${this.group}`, (ep) => access.etcd.delete(ep, bytes(this.key)));
  }

  /** The live members, ordered by id. */
  async list(): Promise<GroupMember[]> {
    this.session.checkLive(`listing ${this.group}`);
    return [...(await this.#read()).members.values()].sort(byId);
  }

  /**
   * The members now, then each change as members join and leave, until `signal` fires or the
   * session ends (closed, expired, or its client closed): then the iteration ends. Rejects with
   * SESSION_ENDED or CLIENT_CLOSED when called on a session that already ended.
   */
  async *watch(signal?: AbortSignal): AsyncGenerator<MembershipChange> {
    this.session.checkLive(`watching ${this.group}`);
    const stop = signal === undefined ? this.session.signal : AbortSignal.any([signal, this.session.signal]);
    const access = etcdAccessOf(this.session.client);
    let last = new Map<string, GroupMember>();
    let first = true;
    while (!stop.aborted) {
      const read = await this.#read(stop).catch((err: unknown) => {
        if (stop.aborted) return undefined; // the session ended (or its client closed) while the list was read
        throw err;
      });
      if (read === undefined) return;
      const change = diff(last, read.members, read.revision);
      last = read.members;
      if (first || change.joined.length > 0 || change.left.length > 0) yield first ? { ...change, joined: change.members } : change;
      first = false;
      try {
        const from = bytes(this.#prefix);
        for await (const batch of follow(access, from, { rangeEnd: prefixEnd(from), fromRevision: read.revision + 1, signal: stop })) {
          for (const group of byRevision(batch.events.map((e) => ({ ...e, modRevision: e.kv.modRevision })))) {
            const next = new Map(last);
            for (const e of group) this.#apply(next, e);
            const change = diff(last, next, group[0]!.modRevision);
            last = next;
            if (change.joined.length > 0 || change.left.length > 0) yield change;
          }
        }
        return;
      } catch (err) {
        if (stop.aborted) return;
        if (!(err instanceof CompactedError)) throw err; // else: list again and go on from there
      }
    }
  }

  /** The members by id, and the revision they were read at. */
  async #read(signal?: AbortSignal): Promise<{ members: Map<string, GroupMember>; revision: number }> {
    const access = etcdAccessOf(this.session.client);
    const from = bytes(this.#prefix);
    const r = await access.run(`listing ${this.group}`, (ep) => access.etcd.range(ep, from, { rangeEnd: prefixEnd(from) }), signal);
    const members = new Map<string, GroupMember>();
    for (const kv of r.kvs) this.#apply(members, { type: 'PUT', kv });
    return { members, revision: r.revision };
  }

  /** Applies one event of the group's keys (not of a group named GROUP/more) to `members`. */
  #apply(members: Map<string, GroupMember>, e: { type: 'PUT' | 'DELETE'; kv: { key: Buffer; value: Buffer; createRevision: number } }): void {
    const id = e.kv.key.toString('utf8').slice(this.#prefix.length);
    if (id.includes('/')) return;
    if (e.type === 'DELETE') members.delete(id);
    else members.set(id, { id, meta: parseMeta(e.kv.value.toString('utf8')), token: e.kv.createRevision });
  }
}

function byId(a: GroupMember, b: GroupMember): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Who joined and left between two lists (a member that joined again, with a new token, did both). */
function diff(before: ReadonlyMap<string, GroupMember>, after: ReadonlyMap<string, GroupMember>, revision: number): MembershipChange {
  const same = (m: GroupMember, other: ReadonlyMap<string, GroupMember>): boolean => other.get(m.id)?.token === m.token;
  const members = [...after.values()].sort(byId);
  return { members, joined: members.filter((m) => !same(m, before)), left: [...before.values()].filter((m) => !same(m, after)).sort(byId), revision };
}

function parseMeta(json: string): Readonly<Record<string, string>> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
