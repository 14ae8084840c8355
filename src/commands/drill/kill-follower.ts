import { Flags } from '@oclif/core';
import { DrillCommand } from '../../cli/drill-command.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillKillFollower extends DrillCommand {
  static override summary = 'SIGKILL a follower under a recorded workload; the leader must stay and writes must not stop.';
  static override description = `Like kill-leader, but the fault is a follower (--target, or each follower in turn): the leader must keep its term, writes must stay available within the SLO, and the restarted follower must catch up. Verification and exit codes are those of kill-leader (0 pass, 5 SLO missed or no steady state, 6 unsafe). Before any fault, the safety gate previews it (whom it faults, what the cluster could still lose meanwhile) and refuses (exit 4) a target that does not answer or is behind, or a fault that would cost the quorum; --force runs it anyway, --dry-run prints the preview and runs nothing.`;
  static override examples = ['<%= config.bin %> drill kill-follower', '<%= config.bin %> drill kill-follower --target n3 --rounds 5', '<%= config.bin %> drill kill-follower --dry-run'];
  static override flags = {
    ...DRILL_GATE_FLAGS,
    target: Flags.string({ description: 'the follower to kill (default: each follower in turn)', helpValue: '<id>', helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillKillFollower);
    const dry = await gateDrill(this, await this.gateModel({ admin: true }), 'kill-follower', flags.target === undefined ? 'followers' : { id: flags.target }, flags);
    if (dry) return dry;
    return this.drill('kill-follower', flags, { target: flags.target });
  }
}
