/**
 * The replicated state machine of the simulated cluster: a few integer registers (null
 * until first written) plus, per client, the last operation applied — the session table
 * DESIGN.md asks for, so a retried write is applied exactly once.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A register's value: written values are unique integers; null before the first write. */
export type RegisterValue = number | null;

/** A write command as carried in a log entry. `seq` increases per client; a retry reuses it. */
export type KvCommand =
  | { readonly kind: 'write'; readonly client: number; readonly seq: number; readonly key: string; readonly value: number }
  | {
      readonly kind: 'cas';
      readonly client: number;
      readonly seq: number;
      readonly key: string;
      readonly expected: RegisterValue;
      readonly value: number;
    };

/** The outcome of applying a command. `ok` is false only for a compare-and-set whose comparison failed. */
export interface ApplyResult {
  readonly ok: boolean;
  /** The command had been applied already: this copy changed nothing, `ok` repeats the first answer. */
  readonly duplicate: boolean;
  /** A later command of the same client had been applied already: this copy changed nothing. */
  readonly stale: boolean;
}

/** What the state machine remembers about a client: its latest applied command. */
export interface Session {
  readonly seq: number;
  readonly ok: boolean;
}

/** Encodes a command as the data of a `normal` entry. */
export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Decodes the data of a `normal` entry. Throws on anything that is not a command. */
export function decodeCommand(data: Uint8Array): KvCommand {
  const cmd = JSON.parse(decoder.decode(data)) as KvCommand;
  if ((cmd.kind !== 'write' && cmd.kind !== 'cas') || typeof cmd.seq !== 'number') throw new Error('not a KV command');
  return cmd;
}

/**
 * The register model. Invariant: two models that applied the same commands in the same order
 * encode to identical bytes (keys are sorted), so snapshot images can be compared by hash.
 */
export class KvModel {
  private readonly registers = new Map<string, RegisterValue>();
  private readonly sessions = new Map<number, Session>();

  /** Applies one command; a duplicate or stale retry changes nothing. */
  apply(cmd: KvCommand): ApplyResult {
    const session = this.sessions.get(cmd.client);
    if (session !== undefined && cmd.seq <= session.seq) {
      // A client only retries its latest command, so only that one has a remembered answer.
      const stale = cmd.seq < session.seq;
      return { ok: !stale && session.ok, duplicate: !stale, stale };
    }
    let ok = true;
    if (cmd.kind === 'write') this.registers.set(cmd.key, cmd.value);
    else if (this.read(cmd.key) === cmd.expected) this.registers.set(cmd.key, cmd.value);
    else ok = false;
    this.sessions.set(cmd.client, { seq: cmd.seq, ok });
    return { ok, duplicate: false, stale: false };
  }

  /** The current value of a register. */
  read(key: string): RegisterValue {
    return this.registers.get(key) ?? null;
  }

  /** The latest command applied for `client`, if any. */
  session(client: number): Session | undefined {
    return this.sessions.get(client);
  }

  /** The model's image, as stored in a snapshot. */
  encode(): Uint8Array {
    const registers = [...this.registers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sessions = [...this.sessions].sort(([a], [b]) => a - b);
    return encoder.encode(JSON.stringify({ registers, sessions }));
  }

  /** Rebuilds a model from a snapshot image. */
  static decode(data: Uint8Array): KvModel {
    const image = JSON.parse(decoder.decode(data)) as { registers: [string, RegisterValue][]; sessions: [number, Session][] };
    const model = new KvModel();
    for (const [key, value] of image.registers) model.registers.set(key, value);
    for (const [client, session] of image.sessions) model.sessions.set(client, session);
    return model;
  }
}
