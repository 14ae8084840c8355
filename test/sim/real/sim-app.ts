/**
 * The simulator's second state machine (`--app`): every member hosts it beside the registry, in
 * the same log, as an embedding application's would be (src/core/node/app-machine.ts). A hash
 * chain over the commands it applied, with their indexes: any two members that applied the same
 * index must hold the same chain, whatever crashes, snapshots and disk faults came between, and
 * the members' own divergence checks (every APP_CHECK_EVERY entries) must never fire.
 */
import { createHash } from 'node:crypto';
import type { AppCommand, AppliedAt, StateMachine } from '../../../src/core/node/state/app-machine.js';

/** Entries between the members' state checks: small, so that runs of a few hundred entries hold many. */
export const APP_CHECK_EVERY = 5;

export class SimApp implements StateMachine {
  private chain = Buffer.alloc(32);
  private applied = 0;

  /** `quirky`: this copy mixes one index in wrongly (the non-vacuity test's non-deterministic member). */
  constructor(private readonly quirky = false) {}

  apply(command: AppCommand, at: AppliedAt): number {
    const index = this.quirky && this.applied === 7 ? at.index + 1 : at.index;
    this.chain = createHash('sha256').update(this.chain).update(command.op).update(command.payload).update(String(index)).digest();
    return ++this.applied;
  }

  snapshot(): Uint8Array {
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(this.applied));
    return Buffer.concat([this.chain, count]);
  }

  restore(image: Uint8Array): void {
    if (image.length === 0) {
      this.chain = Buffer.alloc(32);
      this.applied = 0;
      return;
    }
    const b = Buffer.from(image);
    this.chain = Buffer.from(b.subarray(0, 32));
    this.applied = Number(b.readBigUInt64LE(32));
  }
}
