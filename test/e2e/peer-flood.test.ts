/**
 * The refused-peer log flood of issue 42: for 10 s, tokenless Replicate streams with random
 * 4,000-character claimed ids, each from a new source port, at one member. Its log files (its own
 * and its process output) grow by less than 1 MB and its data dir by less than 2 MB, and its
 * metrics count every refusal.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { sendBatch } from './peer-forger.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ metrics: true, token: 'client-token-0123456789', adminToken: 'admin-token-0123456789' });
}, 60_000);
afterAll(async () => cluster?.destroy());

/** Bytes under `dir`, every file at any depth. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) total += e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return total;
}

async function refusedTotal(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^fleet_peer_rejected_total\{reason="[^"]+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('a flood of tokenless peer streams', () => {
  it('costs the member a bounded log and no disk, and every refusal is counted', async () => {
    const m = cluster.member('n2');
    const before = { data: bytesUnder(m.dataDir), output: m.output().length, refused: await refusedTotal(m.metricsPort!) };
    const target = { id: 'n2', address: `127.0.0.1:${m.port}` };
    const until = Date.now() + 10_000;
    let sent = 0;
    // Eight streams in flight at a time, each a new connection with a new random claimed id.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < until) {
          await sendBatch(target, { claim: randomBytes(2_000).toString('hex') }, 'n9', []);
          sent++;
        }
      }),
    );
    expect(sent).toBeGreaterThan(200);
    const grownData = bytesUnder(m.dataDir) - before.data;
    const grownOutput = m.output().length - before.output;
    expect(grownData, `the data dir grew by ${grownData} bytes for ${sent} refused streams`).toBeLessThan(2 << 20);
    expect(grownData + grownOutput, `the logs grew by ${grownData + grownOutput} bytes`).toBeLessThan(1 << 20);
    expect((await refusedTotal(m.metricsPort!)) - before.refused).toBeGreaterThanOrEqual(sent);
    // The cluster kept working meanwhile.
    await cluster.client().kvPut('after-flood', 'ok');
  }, 60_000);
});
