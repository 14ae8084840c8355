import { UsageError } from '../../common/errors.js';
import { DrillCommand } from '../../cli/drill-command.js';
import { durationFlag } from '../../cli/flags.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillPauseLeader extends DrillCommand {
  static override summary = 'SIGSTOP the leader, then SIGCONT it: the old leader wakes believing it leads and must not act on it.';
  static override description = `The leader is stopped for --pause (SIGSTOP locally, a bounded freeze through the Drills API otherwise) while the recorded workload runs; the others elect a new leader. When it resumes, the old leader must step down without acknowledging a write or serving a linearizable read as leader — the recorded history would show it. Reported: time to the new leader, unavailability, how long the old leader took to follow the new one, and its catch-up. Exit codes: 0 pass, 5 SLO missed or no steady state, 6 unsafe. Before any fault, the safety gate previews it (whom it faults, what the cluster could still lose meanwhile) and refuses (exit 4) a target that does not answer or is behind, or a fault that would cost the quorum; --force runs it anyway, --dry-run prints the preview and runs nothing.`;
  static override examples = ['<%= config.bin %> drill pause-leader', '<%= config.bin %> drill pause-leader --pause 3s --rounds 5', '<%= config.bin %> drill pause-leader --dry-run'];
  static override flags = {
    ...DRILL_GATE_FLAGS,
    pause: durationFlag({ description: 'how long the leader stays stopped (at most 60s)', default: 5_000, defaultHelp: async () => '5s', helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillPauseLeader);
    if (flags.pause <= 0 || flags.pause > 60_000) throw new UsageError('--pause must be between 1ms and 60s');
    const dry = await gateDrill(this, await this.gateModel({ admin: true }), 'pause-leader', 'leader', flags);
    if (dry) return dry;
    return this.drill('pause-leader', flags, { pauseMs: flags.pause });
  }
}
