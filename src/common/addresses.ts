import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A `host:port` pair, validated. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` (IPv6 hosts in brackets); throws a one-line error naming the bad value. */
export function parseHostPort(text: string, what = 'address'): HostPort {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 0 || port > 65_535) throw new Error(`invalid ${what} ${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:7781`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Why `address` cannot be a member's address (`host:port`, port 1–65535), or undefined when it
 * can. The admin service refuses the others before proposing anything, and clients that read a
 * member list treat one as unreachable instead of connecting to it (Node's connect throws).
 */
export function memberAddressProblem(address: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (m && port >= 1 && port <= 65_535) return undefined;
  return `address ${JSON.stringify(address)} is not host:port (a host name or IP address, port 1-65535, IPv6 in brackets), e.g. 10.0.0.4:7781`;
}

/** Whether `address` can be a member's address (see `memberAddressProblem`). */
export function isMemberAddress(address: string): boolean {
  return memberAddressProblem(address) === undefined;
}

/** A member id: what `--id` and `--peers` accept, and a safe file name (it names the member's log file). */
export const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why `id` cannot be a member id, or undefined when it can. */
export function memberIdProblem(id: string): string | undefined {
  if (MEMBER_ID.test(id)) return undefined;
  return `invalid member id ${JSON.stringify(id)}: 1-63 letters, digits, '.', '-' and '_', starting with a letter or digit`;
}

/** Parses `n1=127.0.0.1:7781,n2=…` into an ordered map; ids must be unique. */
export function parsePeers(text: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid peer ${JSON.stringify(part)}: expected ID=host:port`);
    const id = part.slice(0, eq);
    const problem = memberIdProblem(id);
    if (problem !== undefined) throw new Error(problem);
    if (peers.has(id)) throw new Error(`member ${id} is listed twice in --peers`);
    const address = part.slice(eq + 1);
    parseHostPort(address, `address of ${id}`);
    peers.set(id, address);
  }
  return peers;
}

/** Whether an IP address (not a name) is a loopback one: 127.0.0.0/8, ::1, or ::ffff:127.x.x.x. */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) === 6) return address === '::1' || /^::ffff:127\./i.test(address);
  return false;
}

/**
 * Whether a listener on `host` only accepts connections from this machine, decided on the
 * addresses, not the spelling: an IP literal is checked as it is; `localhost` is resolved and
 * must give loopback addresses only; any other name is not loopback, because what it resolves
 * to is up to a DNS server and may change between this check and the bind
 * (`127.0.0.1.nip.io` resolves to 127.0.0.1 today). Wildcards (0.0.0.0, ::) are not loopback.
 */
export async function resolvesToLoopback(host: string): Promise<boolean> {
  if (isIP(host)) return isLoopbackAddress(host);
  if (host.toLowerCase() !== 'localhost') return false;
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}

/** Parses `host:port,host:port` into a list; throws naming the bad entry. */
export function parseEndpoints(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('expected host:port,… e.g. 127.0.0.1:7781');
  for (const ep of list) parseHostPort(ep, 'endpoint');
  return list;
}
