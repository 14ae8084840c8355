import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastLogLine, memberArgs, runScript } from '../../../src/ops/local-cluster/launcher.js';
import type { ClusterManifest } from '../../../src/ops/local-cluster/manifest.js';
import { clusterPaths } from '../../../src/ops/local-cluster/paths.js';

const paths = clusterPaths('/d', 'local');
const m: ClusterManifest = {
  version: 1, name: 'local', created: 'now', basePort: 7781, dataDir: '/d/local', heartbeat: '100ms', electionTimeout: '500ms',
  members: [
    { id: 'n1', port: 7781, dataDir: '/d/local/n1', state: 'voter' },
    { id: 'n2', port: 7782, dataDir: '/d/local/n2', state: 'voter' },
    { id: 'n4', port: 7784, dataDir: '/d/local/n4', state: 'joining' },
  ],
  nextMember: 5,
};

describe('member command lines', () => {
  it('start voters with --peers of every voter, and joining members with --join', () => {
    expect(memberArgs(m, m.members[0]!, paths)).toEqual([
      'node', 'start', '--id', 'n1', '--data-dir', '/d/local/n1', '--listen', '127.0.0.1:7781', '--cluster', 'local',
      '--peers', 'n1=127.0.0.1:7781,n2=127.0.0.1:7782', '--initial-cluster-state', 'existing',
      '--heartbeat', '100ms', '--election-timeout', '500ms',
      '--token-file', '/d/local/client.token', '--admin-token-file', '/d/local/admin.token', '--peer-secret-file', '/d/local/peer.secret', '--enable-drills',
    ]);
    const tls = memberArgs({ ...m, tls: true }, m.members[0]!, paths);
    expect(tls.slice(tls.indexOf('--tls-cert'), tls.indexOf('--tls-cert') + 6)).toEqual([
      '--tls-cert', '/d/local/certs/member-n1.crt', '--tls-key', '/d/local/certs/member-n1.key', '--tls-ca', '/d/local/certs/ca.crt',
    ]);
    expect(memberArgs(m, m.members[0]!, paths, true)).toContain('new');
    const joining = memberArgs(m, m.members[2]!, paths);
    expect(joining).toContain('--join');
    expect(joining).not.toContain('--initial-cluster-state');
    expect(joining).not.toContain('--peers');
  });

  it('find bin/run.js from the package root', () => {
    const script = runScript();
    expect(script.endsWith(join('bin', 'run.js'))).toBe(true);
    expect(existsSync(script)).toBe(true);
  });
});

describe('the last telling log line', () => {
  it('prefers the last warning or error, else the last plain line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-log-'));
    try {
      const file = join(dir, 'n1.log');
      writeFileSync(file, ['{"level":30,"msg":"member started"}', '{"level":50,"msg":"fatal storage error","err":{"message":"ENOSPC"}}', '{"level":30,"msg":"stopped"}', ''].join('\n'));
      expect(lastLogLine(file)).toBe('fatal storage error: ENOSPC');
      writeFileSync(file, ['{"level":30,"msg":"storage recovered"}', ' ›   Error: cannot listen on 127.0.0.1:7781: EADDRINUSE'].join('\n'));
      expect(lastLogLine(file)).toBe('cannot listen on 127.0.0.1:7781: EADDRINUSE');
      expect(lastLogLine(join(dir, 'missing.log'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the error a member died of at start-up, not a warning an earlier run logged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-log-'));
    try {
      const file = join(dir, 'n1.log');
      // The log is appended to by every start: the last run took over a stale LOCK; this one found
      // the LOCK held and Node printed the uncaught error, its stack and its version.
      writeFileSync(
        file,
        [
          '{"level":40,"msg":"took over a stale LOCK","dir":"/d/n1/raft","pid":4242}',
          '{"level":30,"msg":"member started"}',
          'file:///fleet/dist/core/storage/lock-file.js:39',
          '                throw new StorageLockedError(dir, holder);',
          '                      ^',
          '',
          'StorageLockedError: storage directory /d/n1/raft is locked by process 4242, which is still running. Stop that process first.',
          '    at acquireLock (file:///fleet/dist/core/storage/lock-file.js:39:23)',
          '    at async main (file:///fleet/bin/run.js:12:24) {',
          "  dir: '/d/n1/raft',",
          '  pid: 4242',
          '}',
          '',
          'Node.js v20.20.2',
          '',
        ].join('\n'),
      );
      expect(lastLogLine(file)).toBe('StorageLockedError: storage directory /d/n1/raft is locked by process 4242, which is still running. Stop that process first.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
