/**
 * The list-append side workload (Elle's list-append, simplified to one key per operation):
 * each list is a KV key holding a JSON array of strings, and clients append unique values to it
 * by read-then-compare-and-set. A correct cluster keeps every acknowledged append, exactly once,
 * in an order that respects real time; `checkListAppend` looks for lost, refused-but-applied,
 * duplicated, unknown and reordered elements, and for reads that are not a prefix of the end.
 */
import type { FleetClient } from '../../../client/index.js';
import { nsToMs, pause } from '../clock.js';
import { DRILL_NAMESPACE, errorLabel, writeOutcome } from '../register-client.js';
import type { Outcome } from '../types.js';
import { ClientLoops } from './client-loops.js';
import type { SideOp, SideVerdict, SideWorkload, SideWorkloadOptions } from './types.js';

/** What the workload needs of the cluster: a list is a raw string value under a key. */
export interface ListClient {
  /** A linearizable read of the list: its raw stored value (null = absent). */
  read(key: string): Promise<string | null>;
  /** Stores `value` if the key still holds `expected` (null: absent); otherwise throws (a FleetClientError with code CAS_FAILED for a cluster). */
  cas(key: string, expected: string | null, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  close(): void;
}

/** A ListClient over FleetClient, in the drill's KV namespace; keys are used as given (they already carry the round's prefix). */
export function fleetListClient(client: FleetClient): ListClient {
  const ns = DRILL_NAMESPACE;
  return {
    read: async (key) => (await client.kvGet(key, { ns, consistency: 'linearizable' }))?.value ?? null,
    cas: async (key, expected, value) => void (await client.kvCas(key, expected, value, { ns })),
    delete: async (key) => void (await client.kvDelete(key, { ns })),
    close: () => client.close(),
  };
}

/** Mix of operations: 70% appends, 30% reads. */
const APPEND_SHARE = 0.7;
/** Attempts of one append whose compare-and-set keeps finding the list moved before it gives up. */
const MAX_APPEND_ATTEMPTS = 8;
/** Read-back after the round: attempts per list and the pause between them. */
const READ_BACK_ATTEMPTS = 5;
const READ_BACK_PAUSE_MS = 200;
/** The error label of an operation that found a value that is not a JSON list of strings. */
const UNKNOWN_VALUE = 'unknown-value';

/** The list-append workload of one round, over `lists` lists (default 3). */
export function createListAppendWorkload(opts: SideWorkloadOptions<ListClient>, lists = 3): SideWorkload {
  return new ListAppendWorkload(opts, lists);
}

/**
 * Invariant: each client has one operation in flight, and every operation becomes exactly one
 * SideOp from its first request to its final outcome (an append's retries included).
 */
class ListAppendWorkload implements SideWorkload {
  readonly name = 'list-append';
  readonly #opts: SideWorkloadOptions<ListClient>;
  readonly #keys: readonly string[];
  readonly #random: () => number;
  readonly #ops: SideOp[] = [];
  readonly #loops = new ClientLoops<ListClient>();

  constructor(opts: SideWorkloadOptions<ListClient>, lists: number) {
    this.#opts = opts;
    this.#keys = Array.from({ length: lists }, (_, i) => `${opts.prefix}/list-${i}`);
    this.#random = opts.random ?? Math.random;
  }

  async start(): Promise<void> {
    this.#loops.start(this.#opts.clients, this.#opts.newClient, (i, client) => this.#loop(i, client));
  }

  async stop(): Promise<void> {
    await this.#loops.stop();
  }

  async verify(): Promise<SideVerdict> {
    const counts = this.#counts();
    const read = await this.#readBack();
    if ('unreadable' in read) {
      return { name: this.name, check: { name: this.name, ok: false, severity: 'slo', detail: `could not read back ${read.unreadable}` }, ...counts };
    }
    const result = read.notAList ?? checkListAppend(this.#ops, read.finals);
    const check = { name: this.name, ok: result.ok, detail: result.detail, severity: 'safety' as const };
    return { name: this.name, check, ...counts, ...(result.anomaly === undefined ? {} : { anomaly: result.anomaly }) };
  }

  async cleanup(): Promise<void> {
    try {
      const client = this.#opts.newClient();
      try {
        for (const key of this.#keys) await client.delete(key).catch(() => undefined);
      } finally {
        client.close();
      }
    } catch {
      // Best effort: the keys carry the round's prefix, so leftovers never meet another round.
    }
  }

  async #loop(index: number, client: ListClient): Promise<void> {
    let appended = 0;
    while (!this.#loops.stopping) {
      const key = this.#keys[Math.floor(this.#random() * this.#keys.length)]!;
      if (this.#random() < APPEND_SHARE) await this.#append(index, client, key, `${this.#opts.round}.${index}.${appended++}`);
      else await this.#read(index, client, key);
    }
  }

  async #read(index: number, client: ListClient, key: string): Promise<void> {
    const startNs = this.#opts.clock.nowNs();
    const op = { client: index, f: 'read', key, input: null, startNs };
    try {
      const raw = await client.read(key);
      // A value that is not a list is kept raw: the checker reports it as an unknown value.
      this.#record({ ...op, output: parseList(raw) ?? raw, outcome: 'ok' });
    } catch (err) {
      // A failed read changed nothing.
      this.#record({ ...op, output: null, outcome: 'fail', error: errorLabel(err) });
    }
  }

  /**
   * Read the list, then compare-and-set it to the list plus `value`; when the compare finds the
   * list moved (a definite refusal), read again and retry. An attempt whose outcome is unknown
   * ends the append as `info`: retrying could apply the value twice, which would be the
   * workload's doing, not the cluster's.
   */
  async #append(index: number, client: ListClient, key: string, value: string): Promise<void> {
    const op = { client: index, f: 'append', key, input: value, output: null, startNs: this.#opts.clock.nowNs() };
    let error = 'gave up';
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS && !(attempt > 0 && this.#loops.stopping); attempt++) {
      let raw: string | null;
      try {
        raw = await client.read(key);
      } catch (err) {
        // Nothing written yet in this attempt: as definite as a refusal.
        error = errorLabel(err);
        continue;
      }
      const elements = parseList(raw);
      if (elements === undefined) return this.#record({ ...op, output: raw, outcome: 'fail', error: UNKNOWN_VALUE });
      try {
        await client.cas(key, raw, JSON.stringify([...elements, value]));
        return this.#record({ ...op, outcome: 'ok' });
      } catch (err) {
        const outcome = writeOutcome(err);
        if (outcome === 'info' || !isCompareFailure(err)) return this.#record({ ...op, outcome, error: errorLabel(err) });
      }
    }
    this.#record({ ...op, outcome: 'fail', error });
  }

  #record(op: Omit<SideOp, 'endNs'>): void {
    this.#ops.push({ ...op, endNs: this.#opts.clock.nowNs() });
  }

  #counts(): Pick<SideVerdict, 'ops' | 'acknowledged' | 'failed' | 'indeterminate'> {
    const count = (f: string | undefined, outcome: Outcome): number => this.#ops.filter((op) => (f === undefined || op.f === f) && op.outcome === outcome).length;
    return { ops: this.#ops.length, acknowledged: count('append', 'ok'), failed: count(undefined, 'fail'), indeterminate: count(undefined, 'info') };
  }

  /** Every list's final elements, read with a fresh client; or the first list that could not be read, or one that is not a list. */
  async #readBack(): Promise<{ unreadable: string } | { finals: Map<string, string[]>; notAList?: ListCheck }> {
    const client = this.#opts.newClient();
    try {
      const finals = new Map<string, string[]>();
      for (const key of this.#keys) {
        const read = await readPatiently(client, key);
        if ('error' in read) return { unreadable: `${key}: ${read.error}` };
        const elements = parseList(read.raw);
        if (elements === undefined) {
          const summary = `the final value of ${key} is ${quote(read.raw)}, not a JSON list of strings`;
          return { finals, notAList: { ok: false, detail: summary, anomaly: { summary, ops: [] } } };
        }
        finals.set(key, elements);
      }
      return { finals };
    } finally {
      client.close();
    }
  }
}

/** Reads `key`, retrying a failure a few times (the cluster may still be recovering from the round's fault). */
async function readPatiently(client: ListClient, key: string): Promise<{ raw: string | null } | { error: string }> {
  let error = '';
  for (let attempt = 0; attempt < READ_BACK_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(READ_BACK_PAUSE_MS);
    try {
      return { raw: await client.read(key) };
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  }
  return { error };
}

/** A stored list's elements: absent is empty; anything but a JSON array of strings is undefined. */
function parseList(raw: string | null): string[] | undefined {
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return isStringList(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'string');
}

/** Whether a compare-and-set found another value: the list moved, so the append reads again. */
function isCompareFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'CAS_FAILED';
}

// ---------------------------------------------------------------------------------------------
// The checker

/** The checker's finding. */
export interface ListCheck {
  readonly ok: boolean;
  readonly detail: string;
  readonly anomaly?: { summary: string; ops: SideOp[] };
}

/** The kinds of anomaly, in the order they are reported (the first found is the verdict's). */
type AnomalyKind = 'lost' | 'refused-applied' | 'duplicated' | 'unknown-value' | 'not-prefix' | 'reordered';
const ANOMALY_ORDER: readonly AnomalyKind[] = ['lost', 'refused-applied', 'duplicated', 'unknown-value', 'not-prefix', 'reordered'];

interface Anomaly {
  readonly kind: AnomalyKind;
  readonly summary: string;
  /** The smallest set of operations that shows it, oldest first. */
  readonly ops: SideOp[];
}

/** One list's history: its appends by value, its ok reads, its final elements. */
interface ListHistory {
  readonly key: string;
  readonly appends: ReadonlyMap<string, SideOp>;
  readonly reads: readonly SideOp[];
  readonly final: readonly string[];
}

/**
 * Checks a round of list appends against the lists read back after it (`finals`, by key).
 * `info` appends may or may not be in a list; `ok` ones must be, `fail` ones must not.
 */
export function checkListAppend(ops: readonly SideOp[], finals: ReadonlyMap<string, readonly string[]>): ListCheck {
  const anomalies: Anomaly[] = [...unreadableOps(ops)];
  for (const list of listHistories(ops, finals)) {
    anomalies.push(...lost(list), ...refusedButApplied(list), ...duplicated(list), ...unknownValues(list), ...notPrefixes(list), ...reordered(list));
  }
  anomalies.sort((a, b) => ANOMALY_ORDER.indexOf(a.kind) - ANOMALY_ORDER.indexOf(b.kind));
  const acknowledged = ops.filter((op) => op.f === 'append' && op.outcome === 'ok').length;
  const count = (kind: AnomalyKind): number => anomalies.filter((a) => a.kind === kind).length;
  const first = anomalies[0];
  if (first === undefined) return { ok: true, detail: `${finals.size} lists, ${acknowledged} appends acknowledged, 0 lost, 0 duplicated, 0 reordered` };
  const more = anomalies.length > 1 ? ` (${anomalies.length} anomalies: ${count('lost')} lost, ${count('duplicated')} duplicated, ${count('reordered')} reordered)` : '';
  return { ok: false, detail: `${first.summary}${more}`, anomaly: { summary: first.summary, ops: first.ops } };
}

/** Groups the operations by list; a list the ops name but `finals` lacks ends empty. */
function listHistories(ops: readonly SideOp[], finals: ReadonlyMap<string, readonly string[]>): ListHistory[] {
  const keys = [...new Set([...finals.keys(), ...ops.map((op) => op.key)])].sort();
  return keys.map((key) => {
    const appends = new Map<string, SideOp>();
    const reads: SideOp[] = [];
    for (const op of ops) {
      if (op.key !== key) continue;
      if (op.f === 'append' && typeof op.input === 'string') appends.set(op.input, op);
      else if (op.f === 'read' && op.outcome === 'ok' && isStringList(op.output)) reads.push(op);
    }
    return { key, appends, reads, final: finals.get(key) ?? [] };
  });
}

/** Operations that found a value that is not a list at all (kept raw in `output`). */
function unreadableOps(ops: readonly SideOp[]): Anomaly[] {
  return ops
    .filter((op) => typeof op.output === 'string' && (op.outcome === 'ok' || op.error === UNKNOWN_VALUE))
    .map((op) => ({ kind: 'unknown-value', summary: `${op.f} of ${op.key} at ${at(op.startNs)} found ${quote(op.output as string)}, not a JSON list of strings`, ops: [op] }));
}

/** 1. An acknowledged append missing from the final list. */
function lost(list: ListHistory): Anomaly[] {
  const final = new Set(list.final);
  return [...list.appends.values()]
    .filter((op) => op.outcome === 'ok' && !final.has(op.input as string))
    .map((op) => ({ kind: 'lost', summary: `append ${String(op.input)} to ${list.key} was acknowledged at ${at(op.endNs)} but is not in the final list`, ops: [op] }));
}

/** 2. A refused append whose value is in the final list or a read: a refusal must mean nothing applied. */
function refusedButApplied(list: ListHistory): Anomaly[] {
  const final = new Set(list.final);
  const found: Anomaly[] = [];
  for (const op of list.appends.values()) {
    if (op.outcome !== 'fail') continue;
    const value = op.input as string;
    const refused = `append ${value} to ${list.key} was refused at ${at(op.endNs)}`;
    if (final.has(value)) {
      found.push({ kind: 'refused-applied', summary: `${refused} but is in the final list`, ops: [op] });
      continue;
    }
    const read = list.reads.find((r) => elementsOf(r).includes(value));
    if (read === undefined) continue;
    found.push({ kind: 'refused-applied', summary: `${refused} but the read at ${at(read.startNs)} returned it`, ops: oldestFirst([op, read]) });
  }
  return found;
}

/** 3. A value twice in the final list or in a read. */
function duplicated(list: ListHistory): Anomaly[] {
  const writer = (value: string): SideOp[] => {
    const op = list.appends.get(value);
    return op === undefined ? [] : [op];
  };
  const inFinal = (value: string): Anomaly => ({ kind: 'duplicated', summary: `${value} is twice in the final list of ${list.key}`, ops: writer(value) });
  const found = twice(list.final).map(inFinal);
  for (const read of list.reads) {
    for (const value of twice(elementsOf(read))) {
      found.push({ kind: 'duplicated', summary: `the read of ${list.key} at ${at(read.startNs)} returned ${value} twice`, ops: oldestFirst([...writer(value), read]) });
    }
  }
  return found;
}

/** 4. An element no operation appended to this list. */
function unknownValues(list: ListHistory): Anomaly[] {
  const unknown = (elements: readonly string[]): string[] => [...new Set(elements.filter((e) => !list.appends.has(e)))];
  const inFinal = (value: string): Anomaly => ({ kind: 'unknown-value', summary: `the final list of ${list.key} holds ${value}, which no append wrote to it`, ops: [] });
  const found = unknown(list.final).map(inFinal);
  for (const read of list.reads) {
    for (const value of unknown(elementsOf(read))) {
      found.push({ kind: 'unknown-value', summary: `the read of ${list.key} at ${at(read.startNs)} returned ${value}, which no append wrote to it`, ops: [read] });
    }
  }
  return found;
}

/** 5. A read that is not a prefix of the final list: lists only grow, at the end. */
function notPrefixes(list: ListHistory): Anomaly[] {
  const found: Anomaly[] = [];
  for (const read of list.reads) {
    const elements = elementsOf(read);
    const i = elements.findIndex((e, j) => e !== list.final[j]);
    if (i < 0) continue;
    const instead = i < list.final.length ? `where the final list holds ${list.final[i]}` : `beyond the final list's ${list.final.length} elements`;
    const summary = `the read of ${list.key} at ${at(read.startNs)} is not a prefix of the final list: its element ${i + 1} is ${elements[i]}, ${instead}`;
    found.push({ kind: 'not-prefix', summary, ops: [read] });
  }
  return found;
}

/**
 * 6. Two acknowledged appends where one completed before the other was invoked but ends up
 * after it. Walks the final list from its end, keeping the earliest-completing append seen
 * so far: any append placed before it that started after it completed is out of order.
 */
function reordered(list: ListHistory): Anomaly[] {
  const found: Anomaly[] = [];
  let earliestLater: SideOp | undefined;
  for (let i = list.final.length - 1; i >= 0; i--) {
    const op = list.appends.get(list.final[i]!);
    if (op?.outcome !== 'ok') continue;
    if (earliestLater !== undefined && earliestLater.endNs < op.startNs) {
      const first = `append ${String(earliestLater.input)} to ${list.key} completed at ${at(earliestLater.endNs)}`;
      const summary = `${first}, before append ${String(op.input)} began at ${at(op.startNs)}, but comes after it in the final list`;
      found.push({ kind: 'reordered', summary, ops: [earliestLater, op] });
    }
    if (earliestLater === undefined || op.endNs < earliestLater.endNs) earliestLater = op;
  }
  return found;
}

function elementsOf(read: SideOp): readonly string[] {
  return read.output as readonly string[];
}

/** The values that occur more than once, each named once. */
function twice(elements: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const e of elements) (seen.has(e) ? repeated : seen).add(e);
  return [...repeated];
}

function oldestFirst(ops: SideOp[]): SideOp[] {
  return ops.sort((a, b) => a.startNs - b.startNs);
}

function at(ns: number): string {
  return `${nsToMs(ns)} ms`;
}

/** A raw value for a summary, cut short: it may be anything. */
function quote(raw: string | null): string {
  const text = raw === null ? 'absent' : JSON.stringify(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
