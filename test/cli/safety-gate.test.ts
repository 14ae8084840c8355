import { afterEach, describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../src/common/errors.js';
import { confirmBulk, passGate, type GateHost } from '../../src/cli/safety-gate.js';
import { previewChange } from '../../src/ops/safety/gate.js';
import { buildStatusModel } from '../../src/ops/status.js';
import { down, leader, member, ok } from '../ops/status-fixtures.js';

const healthy = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]);
const noQuorum = buildStatusModel([ok(member('n2', { leaderId: '' })), down('127.0.0.1:7781'), down('127.0.0.1:7783')]);

function host(json = false): GateHost & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, jsonEnabled: () => json, log: (m = '') => void out.push(m), logToStderr: (m = '') => void err.push(m) };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('passGate', () => {
  it('lets a safe change through silently', async () => {
    const h = host();
    expect(await passGate(h, previewChange(healthy, { kind: 'transfer' }), { force: false, dryRun: false })).toBeUndefined();
    expect([...h.out, ...h.err]).toEqual([]);
  });

  it('refuses with exit 4, the reason on one line, the preview printed and in the details', async () => {
    const h = host();
    const err = await passGate(h, previewChange(healthy, { kind: 'remove', id: 'n3' }), { force: false, dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 4, code: 'UNSAFE_CHANGE', hint: 'pass --force to accept the risk' });
    expect((err as CliError).message).toMatch(/^refused: it leaves a cluster that can lose no voter .*; it leaves 2 voters, an even number/);
    expect((err as CliError).details?.preview).toMatchObject({ verdict: 'refuse', before: { canLose: 1 }, after: { canLose: 0 } });
    expect(h.out.join('\n')).toMatch(/^change: remove n3 \(voter\)/);
  });

  it('passes a forced change with a warning, but never one without a quorum (exit 3)', async () => {
    const h = host();
    expect(await passGate(h, previewChange(healthy, { kind: 'remove', id: 'n3' }), { force: true, dryRun: false })).toBeUndefined();
    expect(h.err).toEqual([expect.stringMatching(/^warning: --force: it leaves a cluster that can lose no voter/)]);
    await expect(passGate(host(), previewChange(noQuorum, { kind: 'remove', id: 'n3' }), { force: true, dryRun: false })).rejects.toMatchObject({ exitCode: 3, code: 'UNAVAILABLE' });
  });

  it('on a dry run returns the document, prints it unless --json, and exits as the change would', async () => {
    const h = host();
    const doc = await passGate(h, previewChange(healthy, { kind: 'remove', id: 'n3' }), { force: false, dryRun: true });
    expect(doc).toMatchObject({ dryRun: true, verdict: 'refuse', after: { voters: ['n1', 'n2'] } });
    expect(process.exitCode).toBe(4);
    expect(h.out.join('\n')).toMatch(/verdict: would be refused/);
    process.exitCode = undefined;
    const quiet = host(true);
    expect(await passGate(quiet, previewChange(healthy, { kind: 'transfer' }), { force: false, dryRun: true })).toMatchObject({ verdict: 'proceed' });
    expect(quiet.out).toEqual([]);
    expect(process.exitCode).toBeUndefined();
  });
});

describe('confirmBulk', () => {
  const preview = previewChange(healthy, { kind: 'write', summary: 'prune 3 clusters', records: { action: 'remove', count: 3, what: 'clusters', sample: ['a', 'b', 'c'] } });

  it('goes on with --yes', async () => {
    await expect(confirmBulk(host(), preview, 'prune 3 clusters', { yes: true })).resolves.toBeUndefined();
  });

  it('is a usage error naming --yes when stdin is not a terminal', async () => {
    const tty = process.stdin.isTTY;
    Object.defineProperty(process.stdin, 'isTTY', { value: undefined, configurable: true });
    try {
      const err = await confirmBulk(host(), preview, 'prune 3 clusters', { yes: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ exitCode: 2, message: 'prune 3 clusters needs a confirmation, and stdin is not a terminal to ask on', hint: expect.stringContaining('--yes') });
    } finally {
      Object.defineProperty(process.stdin, 'isTTY', { value: tty, configurable: true });
    }
  });
});
