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

/** Parses `n1=127.0.0.1:7781,n2=…` into an ordered map; ids must be unique. */
export function parsePeers(text: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid peer ${JSON.stringify(part)}: expected ID=host:port`);
    const id = part.slice(0, eq);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(id)) throw new Error(`invalid member id ${JSON.stringify(id)}: letters, digits, - and _`);
    if (peers.has(id)) throw new Error(`member ${id} is listed twice in --peers`);
    const address = part.slice(eq + 1);
    parseHostPort(address, `address of ${id}`);
    peers.set(id, address);
  }
  return peers;
}

/** Whether a host only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Parses `host:port,host:port` into a list; throws naming the bad entry. */
export function parseEndpoints(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('expected host:port,… e.g. 127.0.0.1:7781');
  for (const ep of list) parseHostPort(ep, 'endpoint');
  return list;
}
