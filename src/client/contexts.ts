/**
 * Contexts: named targets the CLI talks to (endpoints + credentials), like kubeconfig contexts.
 * They live in one YAML file, `$FLEET_CONFIG_DIR/contexts.yaml` (default
 * `$XDG_CONFIG_HOME/fleet`, else `~/.config/fleet`), written by `fleet init` and
 * `fleet context add`. The file is private (0600, in a 0700 dir), validated on every read, and
 * replaced atomically under a lock file, so two writers never lose each other's update and a
 * reader never sees half a file.
 */
import { parseTokenText } from './transport/token-file.js';
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { CONTEXT_NAME, loadContextsCheck, type ContextsCheck } from './contexts-schema.js';

/** One named target. File paths are stored absolute. */
export interface ContextEntry {
  /** `host:port` of each member's gRPC port. */
  readonly endpoints: readonly string[];
  /** File holding the client token. */
  readonly tokenFile?: string;
  /** File holding the admin token (used by admin commands: members, leader, snapshot). */
  readonly adminTokenFile?: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Set for clusters `fleet init` started on this machine. */
  readonly local?: { readonly dataDir: string };
  /** The region the operator reads from: min-index and max-staleness reads prefer its members. */
  readonly region?: string;
  /** What the endpoints speak: fleet's own API (the default) or etcd's v3 API. */
  readonly engine?: Engine;
  /** etcd's user auth: the user, and the file holding its password. */
  readonly user?: string;
  readonly passwordFile?: string;
  /** etcd only: the key prefix the fleet registry is kept under (default /fleet/; FLEET_ETCD_PREFIX overrides it). */
  readonly prefix?: string;
}

/** The coordinators the CLI can talk to. */
export type Engine = 'fleet' | 'etcd';
export const ENGINES: readonly Engine[] = ['fleet', 'etcd'];

/** The whole file. Invariant: `current` is null or the name of an entry in `contexts`. */
export interface ContextFile {
  readonly current: string | null;
  readonly contexts: Readonly<Record<string, ContextEntry>>;
}

/** A context with its name, as listed. */
export interface NamedContext {
  readonly name: string;
  readonly context: ContextEntry;
  readonly current: boolean;
}

/** Where the store lives; the env is read once, at construction. */
export interface ContextStoreOptions {
  /** The directory of contexts.yaml (default: from the environment, see `configDir`). */
  readonly dir?: string;
  /** How long to wait for another writer's lock (default 5 s). */
  readonly lockTimeoutMs?: number;
}

export { CONTEXT_NAME } from './contexts-schema.js';

/** The config dir: FLEET_CONFIG_DIR, else $XDG_CONFIG_HOME/fleet, else ~/.config/fleet. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLEET_CONFIG_DIR) return resolve(env.FLEET_CONFIG_DIR);
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(xdg, 'fleet');
}

/** Thrown for a missing or unknown context, or an unreadable or invalid file; the message names the file. */
export class ContextError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContextError';
  }
}

/** A context name that is not in the file: a usage error (exit 2), recognised by its name (src/common/errors.ts). */
export class UnknownContextError extends ContextError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownContextError';
  }
}

const EMPTY: ContextFile = { current: null, contexts: {} };

/**
 * The context store. Every method reads the file afresh (another process may have changed it);
 * every change is a locked read-modify-write that replaces the file atomically.
 */
export class ContextStore {
  /** The directory holding contexts.yaml. */
  readonly dir: string;
  readonly #lockTimeoutMs: number;

  constructor(opts: ContextStoreOptions = {}) {
    this.dir = opts.dir ?? configDir();
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 5_000;
  }

  /** The path of the file. */
  get file(): string {
    return join(this.dir, 'contexts.yaml');
  }

  /** The whole file (empty when it does not exist yet). */
  async read(): Promise<ContextFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw new ContextError(`cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    const [{ doc, cached }, check] = await Promise.all([this.#parse(text), loadContextsCheck()]);
    const file = validate(doc, this.file, check);
    if (!cached && doc !== undefined && doc !== null) await this.#cache(text, doc);
    return file;
  }

  /**
   * The file's YAML document. The yaml package took a fifth of `fleet status`'s start-up to load,
   * so the last document read (or written) is kept as JSON beside the file with the hash of the
   * text it came from, and used while the text is the same. Only documents that passed the
   * schema are kept, and the schema allows only what JSON carries exactly (strings, lists, maps, null).
   */
  async #parse(text: string): Promise<{ doc: unknown; cached: boolean }> {
    const cached = await readFile(this.#cacheFile, 'utf8')
      .then((t) => JSON.parse(t) as { hash?: string; doc?: unknown })
      .catch(() => undefined);
    if (cached?.hash === textHash(text)) return { doc: cached.doc, cached: true };
    const { parse } = await import('yaml');
    try {
      return { doc: parse(text) as unknown, cached: false };
    } catch (err) {
      throw new ContextError(`${this.file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
  }

  /** Keeps a valid document for `#parse`; a cache that cannot be written only costs the next command a parse. */
  async #cache(text: string, doc: unknown): Promise<void> {
    const hash = textHash(text);
    const tmp = `${this.#cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ hash, doc }), { mode: 0o600 })
      .then(() => rename(tmp, this.#cacheFile))
      .catch(() => rm(tmp, { force: true }).catch(() => undefined));
  }

  get #cacheFile(): string {
    return join(this.dir, '.contexts.yaml.cache.json');
  }

  /** Every context, sorted by name. */
  async list(): Promise<NamedContext[]> {
    const f = await this.read();
    return Object.keys(f.contexts)
      .sort()
      .map((name) => ({ name, context: f.contexts[name]!, current: name === f.current }));
  }

  /** One context, or undefined. */
  async get(name: string): Promise<ContextEntry | undefined> {
    return (await this.read()).contexts[name];
  }

  /** The current context, or undefined when none is set. */
  async current(): Promise<{ name: string; context: ContextEntry } | undefined> {
    const f = await this.read();
    if (f.current === null) return undefined;
    const context = f.contexts[f.current];
    return context === undefined ? undefined : { name: f.current, context };
  }

  /** Adds or replaces a context; with `makeCurrent` (or when it is the first one) it becomes current. */
  async put(name: string, context: ContextEntry, opts: { makeCurrent?: boolean } = {}): Promise<void> {
    checkName(name);
    const entry = absolutePaths(context);
    await this.#update((f) => {
      const contexts = { ...f.contexts, [name]: entry };
      const current = opts.makeCurrent || f.current === null ? name : f.current;
      return { current, contexts };
    });
  }

  /** Removes a context; answers whether it existed. Removing the current one leaves none current. */
  async remove(name: string): Promise<boolean> {
    let existed = false;
    await this.#update((f) => {
      existed = name in f.contexts;
      const { [name]: _gone, ...contexts } = f.contexts;
      return { current: f.current === name ? null : f.current, contexts };
    });
    return existed;
  }

  /** Makes a context current; throws a ContextError naming the known ones if there is none by that name. */
  async use(name: string): Promise<void> {
    await this.#update((f) => {
      if (!(name in f.contexts)) throw unknownContext(name, f, this.file);
      return { ...f, current: name };
    });
  }

  /** A context by name, or a ContextError that lists the known ones. */
  async require(name: string): Promise<ContextEntry> {
    const f = await this.read();
    const context = f.contexts[name];
    if (context === undefined) throw unknownContext(name, f, this.file);
    return context;
  }

  async #update(change: (f: ContextFile) => ContextFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const release = await this.#lock();
    try {
      const { stringify } = await import('yaml');
      const next = change(await this.read());
      const text = stringify(next);
      await writeAtomically(this.file, text);
      await this.#cache(text, next);
    } finally {
      await release();
    }
  }

  /** Takes `contexts.yaml.lock` (O_EXCL); a lock older than 30 s is a crashed writer's and is broken. */
  async #lock(): Promise<() => Promise<void>> {
    const lockFile = `${this.file}.lock`;
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        await handle.close();
        return () => rm(lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ContextError(`cannot lock ${this.file}: ${(err as Error).message}`, { cause: err });
      }
      const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 30_000) await rm(lockFile, { force: true });
      else if (Date.now() > deadline) throw new ContextError(`${lockFile} is held by another fleet command; retry, or remove it if no fleet command is running`);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The hash a cached document is kept under. */
function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Validates the file's document; errors name the file and the offending field. */
export function validate(doc: unknown, file: string, check: ContextsCheck): ContextFile {
  if (doc === null || doc === undefined) return EMPTY;
  if (!check(doc)) {
    const e = check.errors?.[0];
    const where = e?.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'the top level';
    throw new ContextError(`${file} is invalid at ${where}: ${e?.message ?? 'unknown error'}; fix or remove the file`);
  }
  const f = doc as { current?: string | null; contexts: Record<string, ContextEntry> };
  const current = f.current ?? null;
  if (current !== null && !(current in f.contexts)) throw new ContextError(`${file}: current context ${JSON.stringify(current)} is not defined; run fleet context use NAME`);
  return { current, contexts: f.contexts };
}

function checkName(name: string): void {
  if (!CONTEXT_NAME.test(name)) throw new ContextError(`invalid context name ${JSON.stringify(name)}: letters, digits, '.', '-' and '_', starting with a letter or digit`);
}

function unknownContext(name: string, f: ContextFile, file: string): UnknownContextError {
  const known = Object.keys(f.contexts).sort();
  const list = known.length === 0 ? 'there are none yet (fleet init, or fleet context add)' : `known: ${known.join(', ')}`;
  return new UnknownContextError(`no context named ${JSON.stringify(name)} in ${file}; ${list}`);
}

function absolutePaths(c: ContextEntry): ContextEntry {
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  const out: Mutable<ContextEntry> = { endpoints: [...c.endpoints] };
  for (const k of ['tokenFile', 'adminTokenFile', 'cacert', 'cert', 'key', 'passwordFile'] as const) if (c[k] !== undefined) out[k] = abs(c[k]);
  if (c.local !== undefined) out.local = { dataDir: resolve(c.local.dataDir) };
  // Only etcd contexts say their engine: a context without one is fleet's, as before.
  if (c.engine === 'etcd') out.engine = 'etcd';
  if (c.user !== undefined) out.user = c.user;
  if (c.region !== undefined) out.region = c.region;
  if (c.prefix !== undefined) out.prefix = c.prefix;
  return out;
}

/** A context being built, field by field. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Writes `file` via a synced temp file and a rename, mode 0600, so readers see the old or the new file whole. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The mode given to open() is masked by the umask; the file holds paths to secrets, so force it.
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** Reads a token file (trimmed); the error names the file and what it was for. */
export async function readTokenFile(file: string, what = 'token'): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new ContextError(`cannot read the ${what} file ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (token === '') throw new ContextError(`the ${what} file ${file} is empty`);
  try {
    // A named token file (`name: ops`) holds the token on a line of its own.
    return parseTokenText(token).token;
  } catch (err) {
    throw new ContextError(`the ${what} file ${file}: ${(err as Error).message}`, { cause: err });
  }
}
