/** `fleet debug log` as users run it: over a real member's data dir, with its exit codes. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RaftStorage } from '../../src/core/storage/index.js';
import { cliSandbox, json, type ErrorDoc } from './cli-helpers.js';
import { runCli, tempDir } from './processes.js';

const sandbox = cliSandbox();
const data = tempDir('fleet-debug-log-');
afterAll(() => {
  sandbox.cleanup();
  data.cleanup();
});

describe('fleet debug log', () => {
  it('prints the entries of a data dir, and refuses what is not one with a one-line error', async () => {
    const { storage } = await RaftStorage.open(path.join(data.path, 'raft'), { preallocate: false });
    await storage.persist({ entries: [1, 2, 3].map((index) => ({ index, term: 1, type: 'noop' as const, data: new Uint8Array(0) })), hardState: { term: 1, vote: '', commit: 3 } });
    await storage.close();

    const doc = await json<{ records: { kind: string; index: number }[]; damage: unknown[] }>(['debug', 'log', data.path, '--from', '2'], sandbox.env);
    expect(doc.records.map((r) => r.index)).toEqual([2, 3]);
    expect(doc.damage).toEqual([]);
    const human = await runCli(['debug', 'log', data.path], sandbox.env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/INDEX\s+TERM\s+TYPE\s+COMMAND/);

    const backwards = await runCli(['debug', 'log', data.path, '--from', '3', '--to', '2'], sandbox.env);
    expect(backwards.code).toBe(2);
    const missing = await json<ErrorDoc>(['debug', 'log', path.join(data.path, 'nope')], sandbox.env, 1);
    expect(missing.error.message).toMatch(/nope: no such directory/);
  }, 60_000);
});
