import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextStore } from '../../src/client/contexts.js';
import { contextNamesOf, contextStatusWatcher } from '../../src/cli/many-contexts.js';
import { reportOf } from '../../src/common/errors.js';

let dir: string;
let store: ContextStore;

/** A loopback address nothing listens on. */
async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-many-'));
  store = new ContextStore({ dir });
  await store.put('prod', { endpoints: [await closedAddress()] });
  await store.put('staging', { endpoints: [await closedAddress()], tokenFile: join(dir, 'staging-token') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('contextNamesOf', () => {
  it('keeps the order given, once each; every context without a list', async () => {
    expect(await contextNamesOf(store, ' staging, prod,staging,')).toEqual(['staging', 'prod']);
    expect((await contextNamesOf(store, undefined)).sort()).toEqual(['prod', 'staging']);
  });

  it('a name not configured, or no name at all, is a usage error (exit 2)', async () => {
    expect(reportOf(await contextNamesOf(store, 'prod,prdo').catch((e: unknown) => e))).toMatchObject({ exitCode: 2, message: expect.stringMatching(/no context named "prdo"/) });
    expect(reportOf(await contextNamesOf(store, ' , ').catch((e: unknown) => e))).toMatchObject({ exitCode: 2, message: '--contexts names no context' });
    expect(reportOf(await contextNamesOf(new ContextStore({ dir: join(dir, 'empty') }), undefined).catch((e: unknown) => e))).toMatchObject({ exitCode: 2, message: 'no contexts are configured' });
  });
});

describe('contextStatusWatcher', () => {
  it('a stopped cluster answers with every member unreachable, poll after poll', async () => {
    const w = contextStatusWatcher('prod', store, 1_000);
    try {
      for (let i = 0; i < 2; i++) {
        const m = await w.status();
        expect(m.members.map((x) => [x.role, x.problem])).toEqual([['unreachable', 'unreachable: connection refused']]);
      }
    } finally {
      w.close();
    }
    await expect(w.status()).rejects.toThrow(/watcher closed/);
  });

  it('a context that cannot be used fails its poll, and is resolved again on the next', async () => {
    const w = contextStatusWatcher('staging', store, 1_000);
    try {
      await expect(w.status()).rejects.toThrow(/staging-token/);
      writeFileSync(join(dir, 'staging-token'), 'secret\n');
      expect((await w.status()).members[0]!.role).toBe('unreachable');
    } finally {
      w.close();
    }
  });
});
