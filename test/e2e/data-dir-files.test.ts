/**
 * Issue 42, "Output and files": a member's data dir holds the registry and its names, so what
 * the member creates there is its own (directories 0700, files 0600, as etcd's), ids never
 * reach outside it, and a symlink planted where the member writes is refused, not followed.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const dir = tempDir('fleet-data-dir-files-');
afterAll(() => dir.cleanup());

/** Every directory and file under `root` (itself included), with its permission bits. */
function modes(root: string): { path: string; dir: boolean; mode: number }[] {
  const out = [{ path: root, dir: true, mode: lstatSync(root).mode & 0o777 }];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...modes(path));
    else out.push({ path, dir: false, mode: st.mode & 0o777 });
  }
  return out;
}

describe('a member data dir', () => {
  it('is created 0700 with every directory 0700 and every file 0600: log, snapshots, member log, state files', async () => {
    // A data dir that does not exist yet, two levels down: node start creates it.
    const data = join(dir.path, 'new', 'n1');
    const address = `127.0.0.1:${await freePort()}`;
    const { child, output } = spawnCli(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`, '--initial-cluster-state', 'new', '--heartbeat', '50ms', '--election-timeout', '300ms']);
    try {
      await waitFor('the member to start', () => /member started/.test(output()) || undefined);
      for (let i = 0; i < 3; i++) expect((await runCli(['kv', 'put', `k${i}`, 'v', '--endpoints', address])).code).toBe(0);
      // A snapshot in the data dir, as TakeSnapshot writes it (the saved copy is the operator's file).
      const saved = join(dir.path, 'saved.snap');
      const r = await runCli(['snapshot', 'save', saved, '--endpoints', address]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await stopChild(child);
    }
    const found = modes(data);
    expect(found.filter((f) => !f.dir).length).toBeGreaterThan(3);
    const wrong = found.filter((f) => f.mode !== (f.dir ? 0o700 : 0o600)).map((f) => `${f.path} ${f.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    expect(found.some((f) => f.path.endsWith(join('logs', 'n1.log')))).toBe(true);
  }, 60_000);

  it('refuses an id that is not a safe name, before writing anything (node start, snapshot restore, node recover)', async () => {
    const data = join(dir.path, 'ids', 'd');
    const address = `127.0.0.1:${await freePort()}`;
    for (const id of ['../../pwn-id', 'a/b', '..', 'n1\u001b[31m']) {
      const start = await runCli(['node', 'start', '--id', id, '--data-dir', data, '--listen', address, '--join'], {}, 30_000);
      expect(start.code, start.stderr).toBe(2);
      expect(start.stderr).toContain('invalid member id');
    }
    const restore = await runCli(['snapshot', 'restore', join(dir.path, 'missing.snap'), '--id', '../../evil', '--data-dir', data]);
    expect(restore.code, restore.stderr).toBe(2);
    expect(restore.stderr).toContain('invalid member id');
    const recover = await runCli(['node', 'recover', '--id', '../evil', '--data-dir', data]);
    expect(recover.code, recover.stderr).toBe(2);
    // Nothing was written for any of them: not the data dir, not a log two levels up.
    expect(() => lstatSync(join(dir.path, 'ids'))).toThrow();
    expect(readdirSync(dir.path).some((n) => n.startsWith('pwn-id'))).toBe(false);
  }, 60_000);

  it('does not write its log through a symlink planted in its place', async () => {
    const data = join(dir.path, 'planted');
    mkdirSync(join(data, 'logs'), { recursive: true });
    const victim = join(dir.path, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(data, 'logs', 'n1.log'));
    const address = `127.0.0.1:${await freePort()}`;
    const r = await runCli(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`], {}, 30_000);
    expect(r.code).toBe(1);
    // One line, as every start refusal: no stack trace, no quoted source line.
    expect(r.stderr).toMatch(/^LogFileError: \S+n1\.log is a symbolic link: a member writes its log to a file of its own only, never through a link; remove it\n$/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  }, 60_000);
});
