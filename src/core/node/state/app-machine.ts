/**
 * An application's own replicated state machine, hosted by a member beside the registry: one
 * member, one Raft log, two appliers. An entry whose first byte is 0 belongs to the application
 * (a registry command is JSON and starts with `{`); every other entry is the registry's. Both
 * advance one applied index, so a snapshot holds both states as of the same index.
 *
 *   app entry   := 0x00 kind:u8 body
 *   kind 1      command: opLength:varuint op:utf8 payload:bytes (the rest)
 *   kind 2      state check: index:varuint hash:bytes (the rest), proposed by the leader after it
 *               applied `index`; every member compares it with its own hash at that index
 *
 *   member image := 0xFA 0x01 registryLength:u32le registry-image app-image
 *
 * A member without an application keeps writing the registry's image alone, so its snapshots
 * stay readable by every tool that reads registry images.
 */
import { createHash } from 'node:crypto';
import { decodeAppEntry, type AppCommand } from '../../app-format.js';

export type { AppCommand } from '../../app-format.js';
export { IMAGE_HEADER_BYTES, decodeAppEntry, encodeAppCommand, encodeStateCheck, imageHeader, isAppEntry, joinImages, splitImage, type AppEntry } from '../../app-format.js';

/** Where in the log an application command is being applied. */
export interface AppliedAt {
  readonly index: number;
  readonly term: number;
}

/**
 * What an application implements to have its state replicated (as hashicorp/raft's FSM and
 * Ratis's StateMachine): every member applies the same commands in the same order, so `apply`
 * must depend on nothing but the state and the command (no clock, no randomness, no I/O).
 */
export interface StateMachine {
  /** Applies one committed command; the value is the write's answer (JSON-serializable, for forwarded writes). Throwing stops this member's applying. */
  apply(command: AppCommand, at: AppliedAt): unknown;
  /** The whole state as bytes, as of the last applied command (called between two applies). */
  snapshot(): Uint8Array;
  /** Replaces the state with a `snapshot()` image; an empty image means the initial state. */
  restore(image: Uint8Array): void;
  /** A digest of the state for divergence checks; default: SHA-256 of `snapshot()`. */
  hash?(): Uint8Array;
}

/** Where a member's application state stopped agreeing, or stopped being applied. */
export interface AppFault {
  readonly code: 'DIVERGED' | 'APPLY_FAILED';
  readonly index: number;
  readonly message: string;
}

/** How many state hashes a member keeps, waiting for the leader's check of them. */
const KEPT_HASHES = 8;

/**
 * The application's state machine as a member runs it: applies its entries, remembers its
 * hashes at the checkpoints, compares them with the leader's, and records the first fault.
 */
export class AppReplica {
  private readonly hashes = new Map<number, string>();
  fault: AppFault | undefined;

  constructor(
    readonly machine: StateMachine,
    /** Hash the state after every this many applied entries (0: never). */
    readonly checkEvery: number,
  ) {}

  /** Applies one application entry; returns the command's answer (undefined for a check). Throws an AppFault-carrying error when it faults. */
  apply(data: Uint8Array, at: AppliedAt): { value: unknown } | undefined {
    const entry = decodeAppEntry(data);
    if (entry.kind === 'check') {
      this.compare(entry.index, entry.hash);
      return undefined;
    }
    try {
      return { value: this.machine.apply(entry.command, at) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.fault = { code: 'APPLY_FAILED', index: at.index, message: `the application's apply of entry ${at.index} (operation ${JSON.stringify(entry.command.op)}) threw: ${why}; this member applies nothing further` };
      throw new AppFaultError(this.fault, err);
    }
  }

  /** After applying `index`: the hash to check at it, when it is a checkpoint. */
  checkpoint(index: number): Uint8Array | undefined {
    if (this.checkEvery <= 0 || index % this.checkEvery !== 0) return undefined;
    const hash = this.hash();
    this.hashes.set(index, Buffer.from(hash).toString('hex'));
    for (const old of this.hashes.keys()) if (this.hashes.size > KEPT_HASHES) this.hashes.delete(old);
    return hash;
  }

  hash(): Uint8Array {
    return this.machine.hash?.() ?? createHash('sha256').update(this.machine.snapshot()).digest();
  }

  restore(image: Uint8Array | undefined): void {
    this.machine.restore(image ?? new Uint8Array(0));
    this.hashes.clear();
  }

  private compare(index: number, leaderHash: Uint8Array): void {
    const mine = this.hashes.get(index);
    // Not hashed here (restored from a snapshot past it, or a hash from another check interval): nothing to compare.
    if (mine === undefined || this.fault) return;
    const theirs = Buffer.from(leaderHash).toString('hex');
    if (mine === theirs) return;
    this.fault = {
      code: 'DIVERGED',
      index,
      message: `the application's state here differs from the leader's at index ${index} (hash ${mine.slice(0, 12)}… here, ${theirs.slice(0, 12)}… on the leader): its apply is not deterministic; this member serves no reads`,
    };
  }
}

export class AppFaultError extends Error {
  constructor(
    readonly fault: AppFault,
    cause?: unknown,
  ) {
    super(fault.message, cause === undefined ? undefined : { cause });
    this.name = 'AppFaultError';
  }
}
