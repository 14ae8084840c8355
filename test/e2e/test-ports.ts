/**
 * The range of loopback ports tests pick for members (`freePort`, `freePorts` in processes.ts):
 * by default from 20000 up to just below the kernel's ephemeral range; `FLEET_TEST_PORTS=LOW-HIGH`
 * moves it (a machine where other services, or another checkout's tests, live in 20000+).
 * Pure but for reading the kernel's range, so test/global-setup.ts can check the variable once
 * before any worker starts, and every worker then derives the same range.
 */
import { readFileSync } from 'node:fs';

/** The variable that sets the range. */
export const TEST_PORTS_VAR = 'FLEET_TEST_PORTS';

/** Lowest port picked by default: above the well-known and most registered services' ports. */
export const DEFAULT_LOWEST_PORT = 20_000;

/** Fewest ports a range set by the variable may hold: a slice of 256 for each of four workers (processes.ts, PORT_SLICES). */
export const MIN_RANGE_SIZE = 1024;

/** A range of ports, both ends included. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** The picked range, and why it is narrower than asked when it is (empty when it is not). */
export interface TestPorts extends PortRange {
  readonly clipped: string;
}

/** The kernel's range of source ports for outgoing connections (and of ports `listen(0)` hands out). */
export function ephemeralPorts(): PortRange {
  try {
    const [first, last] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (first && last) return { first, last };
  } catch {
    // not Linux: the IANA range
  }
  return { first: 49_152, last: 65_535 };
}

/**
 * The range tests pick from, given the variable's value (`undefined` when unset) and the kernel's
 * ephemeral range. Throws, naming the variable, on a malformed value, one outside 1024–65535, or
 * one with fewer than MIN_RANGE_SIZE ports left once the ephemeral ports are taken out: a port
 * picked there can be taken as a source port by any outgoing connection before the member binds it.
 */
export function testPorts(value: string | undefined, ephemeral: PortRange): TestPorts {
  if (value === undefined || value.trim() === '') return defaultPorts(ephemeral);
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  if (!m) throw new Error(`${TEST_PORTS_VAR}=${JSON.stringify(value)}: expected LOW-HIGH, e.g. ${TEST_PORTS_VAR}=20000-29999`);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first > last) throw new Error(`${TEST_PORTS_VAR}=${value}: LOW (${first}) is above HIGH (${last})`);
  if (first < 1024 || last > 65_535) throw new Error(`${TEST_PORTS_VAR}=${value}: ports must be within 1024-65535 (below 1024 only root may bind)`);
  return checked(withoutEphemeral({ first, last }, ephemeral), value, ephemeral);
}

/** 20000 up to the ephemeral range; where that is empty, none (`freePort` then takes a port the kernel hands out, as it always has). */
function defaultPorts(eph: PortRange): TestPorts {
  if (eph.first - 1 >= DEFAULT_LOWEST_PORT) return { first: DEFAULT_LOWEST_PORT, last: eph.first - 1, clipped: '' };
  return { first: 0, last: -1, clipped: `no ports between ${DEFAULT_LOWEST_PORT} and the kernel's ephemeral ports ${eph.first}-${eph.last}: tests take ports the kernel hands out; set ${TEST_PORTS_VAR}=LOW-HIGH outside that range` };
}

/** `range` less the part inside the ephemeral range: the larger piece left on either side, with the reason. */
function withoutEphemeral(range: PortRange, eph: PortRange): TestPorts {
  if (range.last < eph.first || range.first > eph.last) return { ...range, clipped: '' };
  const below = range.first < eph.first ? { first: range.first, last: eph.first - 1 } : undefined;
  const above = range.last > eph.last ? { first: eph.last + 1, last: range.last } : undefined;
  const size = (r: PortRange | undefined) => (r ? r.last - r.first + 1 : 0);
  const kept = size(below) >= size(above) ? below : above;
  const why = `the kernel's ephemeral ports ${eph.first}-${eph.last} (net.ipv4.ip_local_port_range) are left out`;
  if (!kept) return { first: 0, last: -1, clipped: why }; // refused by `checked`
  return { ...kept, clipped: `${TEST_PORTS_VAR}: using ${kept.first}-${kept.last}: ${why}` };
}

/** `r` when it holds at least MIN_RANGE_SIZE ports, else an error saying what is left. */
function checked(r: TestPorts, asked: string, eph: PortRange): TestPorts {
  const size = r.last - r.first + 1;
  if (size >= MIN_RANGE_SIZE) return r;
  const left = size > 0 ? `${size} ports (${r.first}-${r.last})` : 'no ports';
  throw new Error(
    `${TEST_PORTS_VAR}=${asked}: ${left} left outside the kernel's ephemeral ports ${eph.first}-${eph.last}; tests need at least ${MIN_RANGE_SIZE}: set ${TEST_PORTS_VAR}=LOW-HIGH below ${eph.first} or above ${eph.last}`,
  );
}

/** The range of this process's environment (see `testPorts`). */
export function testPortsFromEnv(env: NodeJS.ProcessEnv = process.env): TestPorts {
  return testPorts(env[TEST_PORTS_VAR], ephemeralPorts());
}
