import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../cli/errors.js';
import { assertSafe } from '../../cli/preflight.js';
import type { StatusModel } from '../../ops/status.js';

/** `fleet leader transfer --json`. */
export interface TransferOutcome {
  readonly from: string;
  readonly to: string;
  readonly term: number;
  /** From the request to a confirmed new leader, as this CLI measured it. */
  readonly tookMs: number;
}

/** How long the new leader has to show up in every answering member's status. */
const CONFIRM_TIMEOUT_MS = 10_000;

export default class LeaderTransfer extends FleetCommand {
  static override summary = 'Hand leadership to another voter and wait until it is confirmed.';
  static override description = `Without --to, the most caught-up healthy follower is chosen. The command returns once a quorum of members reports the new leader, and prints old → new leader and the time it took. Transferring to an unhealthy member is refused unless --force.`;
  static override examples = ['<%= config.bin %> leader transfer', '<%= config.bin %> leader transfer --to n3', '<%= config.bin %> leader transfer --json'];
  static override flags = {
    to: Flags.string({ description: 'the member to hand leadership to (default: the most caught-up follower)', helpValue: '<id>' }),
    force: Flags.boolean({ description: 'skip the safety check', default: false }),
  };

  async run(): Promise<TransferOutcome> {
    const { flags } = await this.parse(LeaderTransfer);
    const client = await this.client({ admin: true });
    const before = await this.statusModel(client);
    assertSafe(before, { kind: 'transfer', to: flags.to }, flags.force);
    const { bestTransferTarget } = await import('../../ops/member-changes.js');
    const target = flags.to ?? bestTransferTarget(before);
    const started = performance.now();
    const slow = await this.client({ admin: true, timeoutMs: Math.max(this.globals.timeout, CONFIRM_TIMEOUT_MS) });
    const answer = await slow.transferLeader(target);
    const after = await this.confirm(before.leader ?? answer.from, started + CONFIRM_TIMEOUT_MS);
    const outcome = { from: answer.from, to: after.leader!, term: after.term, tookMs: Math.round(performance.now() - started) };
    const { formatDuration } = await import('../../cli/durations.js');
    this.log(`leader ${outcome.from} → ${outcome.to} (term ${outcome.term}) in ${formatDuration(outcome.tookMs)}`);
    return outcome;
  }

  /** Polls the members until a new leader with a healthy quorum is seen, or the deadline passes. */
  async confirm(oldLeader: string, deadline: number): Promise<StatusModel> {
    for (;;) {
      const model = await this.statusModel();
      if (model.leader !== null && model.leader !== oldLeader && model.quorum.available) return model;
      if (performance.now() > deadline) {
        throw new CliError(`the transfer was accepted but no new leader was confirmed within ${CONFIRM_TIMEOUT_MS / 1000}s (leader now: ${model.leader ?? 'none'})`, {
          exitCode: EXIT.unavailable,
          hint: 'fleet status',
        });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
