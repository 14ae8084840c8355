import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDebugBundle } from '../../src/ops/debug-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-bundle-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the debug bundle', () => {
  it('scrubs secret values and private keys from whatever it gathers', async () => {
    const secret = 's3cr3t-token-value-0123456789';
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const out = join(dir, 'b.tar.gz');
    const r = await writeDebugBundle(
      { statusAll: () => Promise.resolve([]), target: { leaked: `Bearer ${secret}`, pem: key }, secrets: [secret] },
      { output: out, logLines: 10, fleetVersion: '0.0.0' },
    );
    expect(r.problems).toEqual([expect.stringMatching(/^not a local cluster/)]);
    execFileSync('tar', ['-xzf', out, '-C', dir]);
    const target = readFileSync(join(dir, 'config/target.json'), 'utf8');
    expect(JSON.parse(target)).toEqual({ leaked: 'Bearer [redacted]', pem: '[redacted]' });
  });

  it('leaves nothing at the output path when it cannot write there', async () => {
    const out = join(dir, 'no-such-dir', 'b.tar.gz');
    await expect(writeDebugBundle({ statusAll: () => Promise.resolve([]), target: {}, secrets: [] }, { output: out, logLines: 10, fleetVersion: '0' })).rejects.toThrow(/ENOENT/);
  });
});
