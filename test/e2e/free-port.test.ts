/**
 * The ports tests pick for members: two test files running at once (two vitest workers) must never
 * be handed the same port, nor one file the same port twice; a member started later on a port
 * another cluster took speaks for the wrong cluster.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, freePorts } from './processes.js';

const ownPool = process.env.VITEST_POOL_ID;
const ownRange = process.env.FLEET_TEST_PORTS;
afterEach(() => {
  if (ownPool === undefined) delete process.env.VITEST_POOL_ID;
  else process.env.VITEST_POOL_ID = ownPool;
  if (ownRange === undefined) delete process.env.FLEET_TEST_PORTS;
  else process.env.FLEET_TEST_PORTS = ownRange;
});

async function picks(pool: string, n: number): Promise<number[]> {
  process.env.VITEST_POOL_ID = pool;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

// Slices 3 and 4: no worker of this suite (two at most) picks there, so these picks cannot take a
// port another file is about to start a member on.
describe('freePort', () => {
  it('gives two workers ports from ranges that do not overlap', async () => {
    const three = await picks('3', 100);
    const four = await picks('4', 100);
    expect(Math.max(...three)).toBeLessThan(Math.min(...four));
  });

  it('never hands one test file the same port twice', async () => {
    const ports = await picks('4', 300);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('hands out a run of free ports that later picks stay out of', async () => {
    process.env.VITEST_POOL_ID = '3';
    const base = await freePorts(5);
    const later = await picks('3', 200);
    expect(later.filter((p) => p >= base && p < base + 5)).toEqual([]);
  });

  it('picks from the range FLEET_TEST_PORTS sets, each worker from its own quarter', async () => {
    // Below 20000: no other file of this run picks there.
    process.env.FLEET_TEST_PORTS = '12000-13023';
    const three = await picks('3', 50);
    expect(three.every((p) => p >= 12_512 && p < 12_768)).toBe(true);
    process.env.VITEST_POOL_ID = '4';
    const base = await freePorts(5);
    expect(base).toBeGreaterThanOrEqual(12_768);
    expect(base + 4).toBeLessThanOrEqual(13_023);
  });
});
