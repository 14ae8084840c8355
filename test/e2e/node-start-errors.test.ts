/**
 * `fleet node start` refusing to start: one line naming the file or flag and what to do, a
 * documented exit code, never a stack trace.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { DATA_FORMAT } from '../../src/core/server/data-format.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const dir = tempDir('fleet-node-start-errors-');
afterAll(() => dir.cleanup());

let n = 0;
/** A fresh empty data dir and a free port: a start that would succeed but for the one thing each test breaks. */
async function startArgs(): Promise<string[]> {
  const data = join(dir.path, `d${++n}`);
  mkdirSync(data);
  const address = `127.0.0.1:${await freePort()}`;
  return ['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`];
}

async function refusal(args: string[], code: number, pattern: RegExp): Promise<void> {
  const r = await runCli(args, {}, 30_000);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
  expect(r.code, r.stderr).toBe(code);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** The member's state files (its log and snapshots, format.json, raft.held) with their bytes: not its own log of what it did. */
function raftFiles(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(data, { recursive: true, withFileTypes: true })) {
    const file = join(e.parentPath, e.name);
    if (e.isFile() && !relative(data, file).startsWith('logs')) out[relative(data, file)] = readFileSync(file).toString('base64');
  }
  return out;
}

function secret(name: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, 'a-secret-of-sorts\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

describe('fleet node start refuses', () => {
  it('a port in use, naming the process that holds it (exit 1)', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const data = join(dir.path, 'busy');
      mkdirSync(data);
      await refusal(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', `127.0.0.1:${port}`, '--peers', `n1=127.0.0.1:${port}`], 1, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use by pid ${process.pid} \\(`));
    } finally {
      server.close();
    }
  });

  it('a metrics port in use: the whole member exits, naming the port and its holder, and nothing keeps serving (exit 1)', async () => {
    const server: Server = createServer();
    const metricsPort = await freePort();
    await new Promise<void>((resolve) => server.listen(metricsPort, '127.0.0.1', resolve));
    try {
      const args = await startArgs();
      const listen = args[args.indexOf('--listen') + 1]!;
      // Half-started, the member answered on its gRPC port and never exited (issue 37): now it exits, and its port is free again.
      await refusal([...args, '--metrics-listen', `127.0.0.1:${metricsPort}`], 1, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${metricsPort} \\(metrics\\): the port is in use by pid ${process.pid} \\(`));
      const [host, port] = listen.split(':');
      const free = await new Promise<boolean>((resolve) => {
        const probe = createServer().once('error', () => resolve(false));
        probe.listen(Number(port), host, () => probe.close(() => resolve(true)));
      });
      expect(free, `${listen} is still held`).toBe(true);
      // Once the port is free, the same command line founds the member: the failed start wrote no state.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const again = spawnCli([...args, '--metrics-listen', `127.0.0.1:${metricsPort}`]);
      try {
        await waitFor('the member to start on the same command line', () => (/member started/.test(again.output()) ? true : undefined), 30_000);
      } finally {
        await stopChild(again.child);
      }
    } finally {
      server.close();
    }
  });

  it('an unreadable token file or TLS file, naming it (exit 2)', async () => {
    await refusal([...(await startArgs()), '--token-file', '/nonexistent/token'], 2, /cannot read --token-file \/nonexistent\/token: ENOENT/);
    await refusal([...(await startArgs()), '--tls-cert', '/nonexistent/member.crt', '--tls-key', secret('member.key')], 2, /\/nonexistent\/member\.crt/);
  });

  it('a data dir that is a file, or cannot be created (exit 2, without hanging)', async () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, '');
    const args = await startArgs();
    const at = args.indexOf('--data-dir') + 1;
    await refusal(args.map((a, i) => (i === at ? file : a)), 2, /--data-dir .*a-file is a file, not a directory/);
    await refusal(args.map((a, i) => (i === at ? '/proc/1/nope' : a)), 2, /cannot create --data-dir \/proc\/1\/nope/);
  });

  it('a data dir another member holds, naming the lock and its holder (exit 1)', async () => {
    const args = await startArgs();
    const first = spawnCli(args);
    try {
      await waitFor('the first member to start', () => /member started/.test(first.output()), 30_000);
      const address = `127.0.0.1:${await freePort()}`;
      const again = ['node', 'start', '--id', 'n1', '--data-dir', args[args.indexOf('--data-dir') + 1]!, '--listen', address, '--peers', `n1=${address}`];
      await refusal(again, 1, new RegExp(`locked by process ${first.child.pid}.*LOCK`));
    } finally {
      await stopChild(first.child);
    }
  });

  it('a data dir a newer fleet wrote, naming both versions, and changes nothing in it (exit 1)', async () => {
    const args = await startArgs();
    const data = args[args.indexOf('--data-dir') + 1]!;
    const first = spawnCli(args);
    try {
      await waitFor('the member to start', () => /member started/.test(first.output()), 30_000);
    } finally {
      await stopChild(first.child);
    }
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(readFileSync(join(data, 'format.json'), 'utf8'))).toEqual({ format: DATA_FORMAT, fleet: version });
    writeFileSync(join(data, 'format.json'), JSON.stringify({ format: DATA_FORMAT + 1, fleet: '9.0.0' }));
    const before = raftFiles(data);
    await refusal(args, 1, new RegExp(`holds data format ${DATA_FORMAT + 1}, written by fleet 9\\.0\\.0; this fleet \\(${version.replaceAll('.', '\\.')}\\) reads data format ${DATA_FORMAT} at most, so it will not start here and changed nothing`));
    expect(raftFiles(data)).toEqual(before);
  });

  it('backup flags that cannot work, before anything starts (exit 2)', async () => {
    const file = join(dir.path, 'backups-is-a-file');
    writeFileSync(file, 'x');
    await refusal([...(await startArgs()), '--backup-dir', file], 2, /cannot write backups into --backup-dir .*backups-is-a-file: it is a file, not a directory/);
    await refusal([...(await startArgs()), '--backup-dir', join(dir.path, 'b'), '--backup-every', '100ms'], 2, /--backup-every must be at least 1s, got '100ms'/);
    await refusal([...(await startArgs()), '--backup-keep', '3'], 2, /--backup-keep needs --backup-dir/);
    await refusal([...(await startArgs()), '--backup-dir', '/proc/1/nope'], 2, /cannot write backups into --backup-dir \/proc\/1\/nope/);
    // Anyone may plant a backup in a world-writable directory: refused as ssh refuses such a ~/.ssh.
    const open = join(dir.path, 'open-backups');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await refusal([...(await startArgs()), '--backup-dir', open], 2, /cannot write backups into --backup-dir .*open-backups: .* is writable by its group and other users \(mode 0777\), .*: chmod 700 .*open-backups/);
  });

  it('invalid timing, before anything starts (exit 2)', async () => {
    await refusal([...(await startArgs()), '--heartbeat', '0ms'], 2, /--heartbeat must be more than 0, got "0ms"/);
    const r = await runCli(['kv', 'get', 'x', '--endpoints', '127.0.0.1:1', '--timeout', '0s'], { FLEET_CONFIG_DIR: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout: must be more than 0, got "0s"/);
  });
});
