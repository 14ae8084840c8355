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
    expect(r.stderr).toContain('apt-get install -y --no-install-recommends etcd-server etcd-client chromium prometheus tmux fish');
  });

  it('passes on this machine, where npm test installed them', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
