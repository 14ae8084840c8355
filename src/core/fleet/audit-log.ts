/**
 * The audit log: who changed what, when, and how it went, as part of the replicated state (so
 * it is in every snapshot and survives restarts). Bounded: the oldest entries go first.
 */
import { LIMITS } from './limits.js';
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
 * The last `LIMITS.maxAuditEntries` entries, oldest first. Invariant: entries are in index
 * order; the front is dropped by moving `#head`, compacted now and then, so appending is O(1).
 */
export class AuditLog {
  #entries: AuditEntry[] = [];
  #head = 0;

  /** Number of entries kept. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  append(entry: AuditEntry): void {
    this.#entries.push(entry);
    if (this.size > LIMITS.maxAuditEntries) this.#head++;
    if (this.#head >= LIMITS.maxAuditEntries) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Every entry kept, oldest first. */
  *entries(): IterableIterator<AuditEntry> {
    for (let i = this.#head; i < this.#entries.length; i++) yield this.#entries[i]!;
  }
}
