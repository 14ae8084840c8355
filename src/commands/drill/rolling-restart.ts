import { DrillCommand } from '../../cli/drill-command.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillRollingRestart extends DrillCommand {
  static override summary = 'Restart every member in turn, followers first and the leader last, under a recorded workload.';
  static override description = `Each member gets SIGTERM (a leader hands off first), is started again and must catch up before the next one goes; writes must stay available within the SLO throughout, and the history is verified as in kill-leader. Needs the members' processes on this machine (a local cluster made by fleet init, or --pids). Exit codes: 0 pass, 5 SLO missed or no steady state, 6 unsafe. Before any fault, the safety gate previews it (whom it faults, what the cluster could still lose meanwhile) and refuses (exit 4) a target that does not answer or is behind, or a fault that would cost the quorum; --force runs it anyway, --dry-run prints the preview and runs nothing.`;
  static override examples = ['<%= config.bin %> drill rolling-restart', '<%= config.bin %> drill rolling-restart --rounds 2 --json', '<%= config.bin %> drill rolling-restart --dry-run'];

  static override flags = { ...DRILL_GATE_FLAGS };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillRollingRestart);
    const dry = await gateDrill(this, await this.gateModel({ admin: true }), 'rolling-restart', 'everyone', flags);
    if (dry) return dry;
    return this.drill('rolling-restart', flags);
  }
}
