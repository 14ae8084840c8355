import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../scripts/system-tools.mjs');
const bare = mkdtempSync(join(tmpdir(), 'fleet-tools-'));
symlinkSync('/bin/sh', join(bare, 'sh'));
afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe('the system tools npm test needs', () => {
  it('refuses, naming each missing tool and the packages to install, rather than letting suites skip', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { env: { PATH: bare }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^✗ system tools missing: etcd \(.*\); etcdctl .*fish \(/);
    expect(r.stderr).toContain('apt-get install -y --no-install-recommends etcd-server etcd-client chromium prometheus tmux fish patroni');
  });

  it('finds a program off PATH by its path (a version directory as `*`) and a Python package by importing it with Debian\'s python3', async () => {
    interface Tool { command?: string; file?: string; python?: string; pkg: string; why: string }
    const tools = (await import(new URL('../../scripts/system-tools.mjs', import.meta.url).href)) as {
      SYSTEM_TOOLS: Tool[];
      missingTools(env?: NodeJS.ProcessEnv, tools?: readonly Tool[]): Tool[];
      toolName(tool: Tool): string;
    };
    expect(tools.SYSTEM_TOOLS.map((t) => t.pkg)).toEqual(expect.arrayContaining(['patroni', 'postgresql', 'python3-etcd3gw', 'python3-etcd3']));
    const absent = [
      { file: '/usr/lib/postgresql/*/bin/no-such-program', pkg: 'a', why: 'x' },
      { file: '/no/such/*/dir', pkg: 'b', why: 'x' },
      { python: 'no_such_module_here', pkg: 'c', why: 'x' },
    ];
    const there = [{ file: '/usr/lib/postgresql/*/bin/postgres', pkg: 'postgresql', why: 'x' }, { file: '/bin/sh', pkg: 'sh', why: 'x' }, { python: 'json', pkg: 'python3', why: 'x' }];
    expect(tools.missingTools({ PATH: bare }, [...absent, ...there]).map((t) => t.pkg)).toEqual(['a', 'b', 'c']);
    expect(absent.map(tools.toolName)).toEqual(['/usr/lib/postgresql/*/bin/no-such-program', '/no/such/*/dir', 'python3 module no_such_module_here']);
  });

  it('passes on this machine, where npm test installed them', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
