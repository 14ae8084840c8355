import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import { dryRunFlag } from '../../cli/safety-gate.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';
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
  static override description = `Without --to, the most caught-up healthy follower is chosen. The command returns once a quorum of members reports the new leader, and prints old → new leader and the time it took.

The safety gate refuses (exit 4, with the preview) a target that does not answer or is not caught up (the transfer would time out and leave the cluster without a leader for an election timeout); --force accepts the risk. A learner, the leader itself or an unknown id is refused even with --force. --dry-run prints the preview.`;
  static override examples = ['<%= config.bin %> leader transfer', '<%= config.bin %> leader transfer --to n3', '<%= config.bin %> leader transfer --to n3 --dry-run', '<%= config.bin %> leader transfer --json'];
  static override flags = {
    to: Flags.string({ description: 'the member to hand leadership to (default: the most caught-up follower)', helpValue: '<id>' }),
    force: Flags.boolean({ description: 'proceed although the safety gate refuses (its reason and the preview say what is at risk)', default: false }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<TransferOutcome | PreviewDocument> {
    const { flags } = await this.parse(LeaderTransfer);
    const engine = await this.engine({ admin: true, timeoutMs: Math.max(this.globals.timeout, CONFIRM_TIMEOUT_MS) });
    const before = await this.gateModel({ admin: true });
    const [{ previewChange }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../cli/safety-gate.js')]);
    const to = flags.to === undefined ? undefined : await engine.resolveMember(flags.to);
    const preview = previewChange(before, { kind: 'transfer', to });
    const dry = await passGate(this, preview, { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const target = to ?? preview.after.leader ?? undefined;
    const started = performance.now();
    const answer = await engine.transferLeader(target);
    const after = await this.confirm(before.leader ?? answer.from, started + CONFIRM_TIMEOUT_MS);
    const outcome = { from: answer.from, to: after.leader!, term: after.term, tookMs: Math.round(performance.now() - started) };
    const { formatDuration } = await import('../../common/durations.js');
    this.log(`leader ${outcome.from} → ${outcome.to} (term ${outcome.term}) in ${formatDuration(outcome.tookMs)}`);
    return outcome;
  }

  /** Polls the members until a new leader with a healthy quorum is seen, or the deadline passes. */
  async confirm(oldLeader: string, deadline: number): Promise<StatusModel> {
    for (;;) {
      const model = await this.gateModel();
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
