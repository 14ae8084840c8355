/**
 * Listings that page through the registry and stream each page to stdout, so `fleet clusters
 * list` over 1,000,000 clusters holds one page in memory, never the whole list. With --json
 * the output is still one document, `{"<key>": [ … ], "next": cursor|null, …trailer}`, written
 * incrementally (one item per line, so `jq` and `grep` both work).
 */
import type { Page } from '../client/index.js';

/** Where output goes: something with `write` and backpressure (process.stdout). */
export interface Sink {
  write(chunk: string): boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  /** True once the stream is gone (e.g. the reader of a pipe exited). */
  readonly destroyed?: boolean;
}

/** The reader went away (`fleet clusters list | head`): stop listing; not a failure. */
export class BrokenPipe extends Error {
  constructor() {
    super('the output was closed by its reader');
    this.name = 'BrokenPipe';
  }
}

/** How to list. */
export interface PagedListOptions<T> {
  /** Fetches the page after `after` holding at most `limit` items. */
  readonly fetch: (after: string | undefined, limit: number) => Promise<Page<T>>;
  /** Start after this cursor. */
  readonly after?: string | undefined;
  /** Stop after this many items (and report the cursor to continue from). */
  readonly limit?: number | undefined;
  /** Items per request (default 1,000). */
  readonly pageSize?: number;
  readonly json: boolean;
  /** The JSON document's array property, e.g. `clusters`. */
  readonly key: string;
  /** Human output: lines for a batch of items (a StreamingTable's `format`). */
  readonly lines: (items: readonly T[]) => string[];
  readonly out: Sink;
  /** More fields of the JSON document, asked for once the last page is read (e.g. where it was served). */
  readonly trailer?: () => object;
}

/** What was listed: how many items and the cursor to continue from (null at the end). */
export interface PagedListResult {
  readonly count: number;
  readonly next: string | null;
}

const EVENTS = ['drain', 'close', 'error'] as const;

/** Writes, waiting for the sink to drain when its buffer is full; throws BrokenPipe once the sink is gone. */
export async function write(out: Sink, chunk: string): Promise<void> {
  if (out.destroyed) throw new BrokenPipe();
  if (out.write(chunk)) return;
  // A closed pipe never drains: wait for whichever comes first.
  await new Promise<void>((resolve) => {
    const done = (): void => {
      for (const e of EVENTS) out.off(e, done);
      resolve();
    };
    for (const e of EVENTS) out.once(e, done);
  });
  if (out.destroyed) throw new BrokenPipe();
}

/** Streams every page (or up to `limit` items) to `out`. */
export async function streamPages<T>(o: PagedListOptions<T>): Promise<PagedListResult> {
  const pageSize = o.pageSize ?? 1_000;
  let after = o.after;
  let count = 0;
  let next: string | null;
  let started = false;
  if (o.json) await write(o.out, `{"${o.key}": [`);
  for (;;) {
    const want = o.limit === undefined ? pageSize : Math.min(pageSize, o.limit - count);
    const page = await o.fetch(after, want);
    await emit(o, page.items, started);
    if (page.items.length > 0) started = true;
    count += page.items.length;
    next = page.next ?? null;
    if (next === null || (o.limit !== undefined && count >= o.limit)) break;
    after = next;
  }
  if (o.json) await write(o.out, `${started ? '\n' : ''}], "next": ${JSON.stringify(next)}${trailerJson(o.trailer?.())}}\n`);
  else if (!started) await write(o.out, `${o.lines([]).join('\n')}\n`);
  return { count, next };
}

/** `, "a": 1, "b": "x"` for the fields given, or '' for none. */
function trailerJson(fields: object | undefined): string {
  if (fields === undefined) return '';
  return Object.entries(fields).map(([key, value]) => `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`).join('');
}

async function emit<T>(o: PagedListOptions<T>, items: readonly T[], started: boolean): Promise<void> {
  if (items.length === 0) return;
  if (o.json) {
    const body = items.map((item) => JSON.stringify(item)).join(',\n');
    await write(o.out, `${started ? ',' : ''}\n${body}`);
  } else {
    await write(o.out, `${o.lines(items).join('\n')}\n`);
  }
}
