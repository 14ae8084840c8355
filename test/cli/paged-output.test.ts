import { describe, expect, it } from 'vitest';
import { BrokenPipe, streamPages, type Sink } from '../../src/cli/paged-output.js';
import type { Page } from '../../src/client/index.js';

function sink(): Sink & { text: () => string } {
  let out = '';
  return { write: (c: string) => ((out += c), true), once: () => undefined, off: () => undefined, text: () => out };
}

/** A registry of `n` names served in pages, recording the requests. */
function source(n: number) {
  const names = Array.from({ length: n }, (_, i) => `c${String(i).padStart(4, '0')}`);
  const requests: [string | undefined, number][] = [];
  const fetch = async (after: string | undefined, limit: number): Promise<Page<{ name: string }>> => {
    requests.push([after, limit]);
    const start = after === undefined ? 0 : names.indexOf(after) + 1;
    const items = names.slice(start, start + limit).map((name) => ({ name }));
    const last = items.at(-1)?.name;
    return start + limit < names.length && last !== undefined ? { items, next: last } : { items };
  };
  return { fetch, requests };
}

describe('streamPages', () => {
  it('streams every page as one JSON document', async () => {
    const out = sink();
    const { fetch, requests } = source(25);
    const r = await streamPages({ fetch, pageSize: 10, json: true, key: 'clusters', lines: () => [], out });
    expect(r).toEqual({ count: 25, next: null });
    expect(requests).toHaveLength(3);
    const doc = JSON.parse(out.text()) as { clusters: { name: string }[]; next: null };
    expect(doc.clusters).toHaveLength(25);
    expect(doc.next).toBeNull();
  });

  it('stops at --limit and reports the cursor', async () => {
    const out = sink();
    const r = await streamPages({ fetch: source(25).fetch, pageSize: 10, limit: 12, after: 'c0002', json: true, key: 'clusters', lines: () => [], out });
    expect(r).toEqual({ count: 12, next: 'c0014' });
    const doc = JSON.parse(out.text()) as { clusters: { name: string }[]; next: string };
    expect(doc.clusters[0]!.name).toBe('c0003');
    expect(doc.next).toBe('c0014');
  });

  it('prints valid JSON and the header for an empty listing', async () => {
    const json = sink();
    await streamPages({ fetch: source(0).fetch, json: true, key: 'entries', lines: () => [], out: json });
    expect(JSON.parse(json.text())).toEqual({ entries: [], next: null });
    const human = sink();
    await streamPages({ fetch: source(0).fetch, json: false, key: 'entries', lines: (items) => ['HEADER', ...items.map((i) => i.name)], out: human });
    expect(human.text()).toBe('HEADER\n');
  });

  it('stops with BrokenPipe when the reader goes away', async () => {
    let destroyed = false;
    const listeners: (() => void)[] = [];
    const out: Sink = {
      write: () => false,
      once: (_e, l) => listeners.push(l),
      off: () => undefined,
      get destroyed() {
        return destroyed;
      },
    };
    const listing = streamPages({ fetch: source(5).fetch, json: true, key: 'k', lines: () => [], out });
    await new Promise((r) => setTimeout(r, 10));
    destroyed = true;
    for (const l of listeners) l();
    await expect(listing).rejects.toBeInstanceOf(BrokenPipe);
  });

  it('keeps going past filtered pages that came back short or empty', async () => {
    const out = sink();
    let calls = 0;
    const fetch = async (): Promise<Page<{ name: string }>> => (++calls < 3 ? { items: [], next: `x${calls}` } : { items: [{ name: 'last' }] });
    const r = await streamPages({ fetch, json: false, key: 'k', lines: (items) => items.map((i) => i.name), out });
    expect(r.count).toBe(1);
    expect(out.text()).toBe('last\n');
  });
});
