/**
 * The audit log: who changed what, when, and how it went, as part of the replicated state (so
 * it is in every snapshot and survives restarts). Bounded: the oldest entries go first.
 */
import { checkInvariant } from '../invariant.js';
import { LIMITS } from './limits.js';
import { COMMAND_ROLES, commandRole } from '../../common/roles.js';
import type { Actor, AuditEntry, Command, CommandType } from './types.js';

/**
 * Writes that are not recorded: liveness reports and lease renewals arrive every few seconds
 * from every shard, cluster and lease holder, and would push operators' changes out of the log.
 */
const NOT_AUDITED: ReadonlySet<CommandType> = new Set<CommandType>(['shard.heartbeat', 'cluster.heartbeat', 'lease.renew']);

/** Whether a write of this type goes into the audit log. */
export function audited(type: string): boolean {
  return !NOT_AUDITED.has(type as CommandType);
}

/** A KV value as the audit log shows it: its size, never its content (it may be a secret). */
function sizeOf(value: string | null | undefined): string | null | undefined {
  return value === null || value === undefined ? value : `<${Buffer.byteLength(value, 'utf8')} bytes>`;
}

/** A command's arguments as the audit log keeps them (JSON), secrets left out. */
export function auditArgs(op: Command): string {
  if (op.type === 'audit.record') return JSON.stringify(op.args);
  const { type: _type, ...args } = op;
  if (op.type === 'kv.put') return JSON.stringify({ ...args, value: sizeOf(op.value) });
  if (op.type === 'kv.cas') return JSON.stringify({ ...args, expected: sizeOf(op.expected), value: sizeOf(op.value) });
  return JSON.stringify(args);
}

/** The entry for a change at `index`. */
export function auditEntry(index: number, time: number, by: Actor, op: string, args: string, outcome: string): AuditEntry {
  return Object.freeze({ index, time, who: by.token, client: by.client, op, args, outcome });
}

/**
 * Which ring an entry goes to. `admin`: changes that need the admin role (membership, leadership,
 * snapshots, autopilot and drills, recorded by members as `audit.record`; prune, forced shard
 * removal, plan progress). `client`: every other write, the high-volume ones.
 */
export type AuditRing = 'admin' | 'client';

/**
 * The ring of a write of `op`: a member's record (`audit.record`) and a write that needs the admin
 * role go to the admin ring; every other write, and anything that names no write, to the client ring.
 */
export function auditRingOf(op: { readonly type: string; readonly force?: unknown }): AuditRing {
  if (op.type === 'audit.record') return 'admin';
  if (!Object.hasOwn(COMMAND_ROLES, op.type)) return 'client';
  return commandRole(op as Pick<Command, 'type'>) === 'admin' ? 'admin' : 'client';
}

/**
 * The ring of an entry read back from a version 3 snapshot, which kept one ring. A member's
 * record names its own operation (`members.add`), never a command type: admin. A write's ring
 * follows from its type and, for a forced removal, its arguments.
 */
export function auditRingOfEntry(e: Pick<AuditEntry, 'op' | 'args'>): AuditRing {
  const namesWrite = Object.hasOwn(COMMAND_ROLES, e.op) || e.op === 'audit.record' || e.op === 'lease.expire' || e.op === '?';
  if (!namesWrite) return 'admin';
  let force: unknown;
  try {
    force = (JSON.parse(e.args) as { force?: unknown } | null)?.force;
  } catch {
    // Arguments that are not JSON name no force.
  }
  return auditRingOf({ type: e.op, force });
}

/**
 * One bounded ring: the last `capacity` entries, oldest first, in index order (checked in
 * `append`); the front is dropped by moving `#head`, compacted now and then, so appending is O(1).
 */
class AuditRingBuffer {
  #entries: AuditEntry[] = [];
  #head = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#entries.length - this.#head;
  }

  append(entry: AuditEntry): void {
    const last = this.#entries.at(-1);
    checkInvariant(last === undefined || entry.index > last.index, 'audit-entries-in-index-order', () => `entry ${entry.index} after ${last!.index}`);
    this.#entries.push(entry);
    if (this.size > this.capacity) this.#head++;
    if (this.#head >= this.capacity) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  at(i: number): AuditEntry | undefined {
    return this.#entries[this.#head + i];
  }

  *entries(): IterableIterator<AuditEntry> {
    for (let i = this.#head; i < this.#entries.length; i++) yield this.#entries[i]!;
  }
}

/**
 * The audit log: two bounded rings, so that no flood of client writes pushes an admin or
 * membership entry out. The client ring keeps the last `LIMITS.maxAuditEntries` client writes;
 * the admin ring the last `LIMITS.maxAdminAuditEntries` admin changes. Read together, they are
 * one log in index order.
 */
export class AuditLog {
  readonly #client = new AuditRingBuffer(LIMITS.maxAuditEntries);
  readonly #admin = new AuditRingBuffer(LIMITS.maxAdminAuditEntries);

  /** Number of entries kept, in both rings. */
  get size(): number {
    return this.#client.size + this.#admin.size;
  }

  /** Number of entries kept in one ring. */
  sizeOf(ring: AuditRing): number {
    return this.#ring(ring).size;
  }

  append(entry: AuditEntry, ring: AuditRing): void {
    this.#ring(ring).append(entry);
  }

  /** The entries of one ring, oldest first (for the snapshot). */
  ringEntries(ring: AuditRing): IterableIterator<AuditEntry> {
    return this.#ring(ring).entries();
  }

  /** Every entry kept, both rings merged, oldest (lowest index) first. */
  *entries(): IterableIterator<AuditEntry> {
    let i = 0;
    let j = 0;
    for (;;) {
      const a = this.#client.at(i);
      const b = this.#admin.at(j);
      if (a === undefined && b === undefined) return;
      if (b === undefined || (a !== undefined && a.index < b.index)) {
        yield a!;
        i++;
      } else {
        yield b;
        j++;
      }
    }
  }

  #ring(ring: AuditRing): AuditRingBuffer {
    return ring === 'admin' ? this.#admin : this.#client;
  }
}
