/**
 * Is a port free, and if not, who holds it? Checked before any member starts, so a busy port
 * is reported by number and holder instead of as a member that died on start-up.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { commandLineOf } from './pids.js';

/** The process listening on a port, as far as /proc lets this user see. */
export interface PortHolder {
  readonly pid: number;
  /** Its command line, shortened for one line of output. */
  readonly command: string;
}

/** Whether a port could be bound, and the holder when it could not. */
export type PortCheck = { readonly port: number; readonly free: true } | { readonly port: number; readonly free: false; readonly holder?: PortHolder; readonly reason: string };

/** Tries to bind `host:port` (and lets go at once). */
export function probePort(host: string, port: number): Promise<PortCheck> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      const holder = err.code === 'EADDRINUSE' ? findListener(port) : undefined;
      resolve({ port, free: false, reason: err.code ?? err.message, ...(holder ? { holder } : {}) });
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve({ port, free: true })));
  });
}

/** Checks every port; answers the busy ones (in the order given). */
export async function busyPorts(host: string, ports: readonly number[]): Promise<Extract<PortCheck, { free: false }>[]> {
  const checks = await Promise.all(ports.map((p) => probePort(host, p)));
  return checks.filter((c): c is Extract<PortCheck, { free: false }> => !c.free);
}

/**
 * A member's metrics port sits this far above its member port (7781 → 7881): a fixed place an
 * operator can guess, clear of the member ports of the same cluster (at most 9 of them).
 */
export const METRICS_PORT_OFFSET = 100;

/** How many ports after a preferred one are tried before asking the OS for any free port. */
const PORT_SEARCH = 100;

/**
 * A port on `host` that is free now and not in `used`: `preferred` or the first free one after
 * it, else (past 65535 or after PORT_SEARCH tries) one the OS picks. The caller records it in
 * the manifest, so it stays the member's port across restarts.
 */
export async function pickFreePort(host: string, preferred: number, used: ReadonlySet<number>): Promise<number> {
  for (let port = preferred; port <= 65_535 && port < preferred + PORT_SEARCH; port++) {
    if (!used.has(port) && (await probePort(host, port)).free) return port;
  }
  for (let tries = 0; tries < PORT_SEARCH; tries++) {
    const port = await osAssignedPort(host);
    if (!used.has(port)) return port;
  }
  throw new Error(`no free port on ${host}`);
}

/** A port the OS deems free on `host` (bound to port 0 and let go). */
export function osAssignedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not bind ${host}`))));
    });
  });
}

/** One line about a busy port: `port 7781 is in use by pid 123 (node server.js)`. */
export function describeBusyPort(check: Extract<PortCheck, { free: false }>): string {
  if (check.reason !== 'EADDRINUSE') return `port ${check.port} cannot be used (${check.reason})`;
  const by = check.holder ? ` by pid ${check.holder.pid} (${check.holder.command})` : '';
  return `port ${check.port} is in use${by}`;
}

/**
 * The process listening on TCP `port` (best effort, Linux only): the socket's inode from
 * /proc/net/tcp{,6}, then the process whose fd links to `socket:[inode]`. Processes of other
 * users cannot be inspected, so the answer may be undefined even when the port is taken.
 */
export function findListener(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) for (const inode of listeningInodes(table, port)) inodes.add(inode);
  if (inodes.size === 0) return undefined;
  const pid = processWithSocket(inodes);
  if (pid === undefined) return undefined;
  return { pid, command: shorten((commandLineOf(pid) ?? ['?']).join(' ')) };
}

/** Inodes of sockets in LISTEN state (st 0A) on `port` in one /proc/net table. */
export function listeningInodes(table: string, port: number): string[] {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch {
    return [];
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (cols.length < 10 || cols[3] !== '0A') continue;
    if (cols[1]!.split(':')[1] === hexPort && cols[9] !== '0') found.push(cols[9]!);
  }
  return found;
}

function processWithSocket(inodes: ReadonlySet<string>): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        // the fd closed while we looked
      }
    }
  }
  return undefined;
}

function shorten(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
