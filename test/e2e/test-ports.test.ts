/** FLEET_TEST_PORTS: the range tests pick member ports from, checked before any is picked. */
import { describe, expect, it } from 'vitest';
import { MIN_RANGE_SIZE, testPorts } from './test-ports.js';

const linux = { first: 32_768, last: 60_999 };

describe('FLEET_TEST_PORTS', () => {
  it('defaults to 20000 up to the kernel\'s ephemeral range', () => {
    expect(testPorts(undefined, linux)).toEqual({ first: 20_000, last: 32_767, clipped: '' });
    expect(testPorts('', linux)).toEqual({ first: 20_000, last: 32_767, clipped: '' });
  });

  it('takes LOW-HIGH below or above the ephemeral range as given', () => {
    expect(testPorts('20000-29999', linux)).toEqual({ first: 20_000, last: 29_999, clipped: '' });
    expect(testPorts(' 61000 - 65535 ', linux)).toEqual({ first: 61_000, last: 65_535, clipped: '' });
  });

  it.each(['20000', '20000:29999', '20000-', 'abc', '-1-2000', '20000-29999,40000-41000', '200000-200001'])('refuses the malformed %j, naming the variable and the form', (value) => {
    expect(() => testPorts(value, linux)).toThrow(`FLEET_TEST_PORTS=${JSON.stringify(value)}: expected LOW-HIGH, e.g. FLEET_TEST_PORTS=20000-29999`);
  });

  it('refuses a reversed range, ports below 1024 and above 65535', () => {
    expect(() => testPorts('29999-20000', linux)).toThrow('FLEET_TEST_PORTS=29999-20000: LOW (29999) is above HIGH (20000)');
    expect(() => testPorts('80-5000', linux)).toThrow(/FLEET_TEST_PORTS=80-5000: ports must be within 1024-65535/);
    expect(() => testPorts('60000-70000', linux)).toThrow(/ports must be within 1024-65535/);
  });

  it('clips a range reaching into the ephemeral ports, and says why', () => {
    const r = testPorts('20000-40000', linux);
    expect(r).toMatchObject({ first: 20_000, last: 32_767 });
    expect(r.clipped).toBe("FLEET_TEST_PORTS: using 20000-32767: the kernel's ephemeral ports 32768-60999 (net.ipv4.ip_local_port_range) are left out");
    // Across the whole ephemeral range: the larger side is kept.
    expect(testPorts('25000-62000', linux)).toMatchObject({ first: 25_000, last: 32_767 });
    expect(testPorts('32000-65535', linux)).toMatchObject({ first: 61_000, last: 65_535 });
  });

  it('refuses a range inside the ephemeral ports, or too small to give each worker a slice', () => {
    expect(() => testPorts('40000-50000', linux)).toThrow("FLEET_TEST_PORTS=40000-50000: no ports left outside the kernel's ephemeral ports 32768-60999; tests need at least 1024");
    expect(() => testPorts('32000-40000', linux)).toThrow(/FLEET_TEST_PORTS=32000-40000: 768 ports \(32000-32767\) left outside/);
    expect(() => testPorts(`20000-${20_000 + MIN_RANGE_SIZE - 2}`, linux)).toThrow(/1023 ports/);
    expect(testPorts(`20000-${20_000 + MIN_RANGE_SIZE - 1}`, linux).last).toBe(20_000 + MIN_RANGE_SIZE - 1);
  });

  it('falls back to the kernel\'s ports by default only where nothing lies between 20000 and the ephemeral range', () => {
    const wide = { first: 1024, last: 65_535 };
    expect(testPorts(undefined, wide)).toMatchObject({ first: 0, last: -1 });
    expect(testPorts(undefined, wide).clipped).toMatch(/tests take ports the kernel hands out; set FLEET_TEST_PORTS=LOW-HIGH/);
  });
});
