import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextStore } from '../../../src/client/contexts.js';
import { succeedCurrent } from '../../../src/ops/local-cluster/lifecycle.js';

let dir: string;
let store: ContextStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-succeed-'));
  store = new ContextStore({ dir });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('after fleet destroy removed the current context', () => {
  it('makes the only context left current: there is no choice to make', async () => {
    await store.put('dev', { endpoints: ['127.0.0.1:8781'] });
    await store.put('local', { endpoints: ['127.0.0.1:7781'] }, { makeCurrent: true });
    await store.remove('local');
    expect(await succeedCurrent(store)).toEqual({ now: 'dev', remaining: ['dev'] });
    expect((await store.current())?.name).toBe('dev');
  });

  it('leaves none current when several are left, and names them', async () => {
    for (const name of ['prod', 'staging', 'local']) await store.put(name, { endpoints: ['10.0.0.1:7781'] }, { makeCurrent: true });
    await store.remove('local');
    expect(await succeedCurrent(store)).toEqual({ now: null, remaining: ['prod', 'staging'] });
    expect(await store.current()).toBeUndefined();
  });
});
