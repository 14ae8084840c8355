import { DrillCommand } from '../../cli/drill-command.js';
import type { DrillReport } from '../../ops/drill/index.js';

export default class DrillRollingRestart extends DrillCommand {
  static override summary = 'Restart every member in turn, followers first and the leader last, under a recorded workload.';
  static override description = `Each member gets SIGTERM (a leader hands off first), is started again and must catch up before the next one goes; writes must stay available within the SLO throughout, and the history is verified as in kill-leader. Needs the members' processes on this machine (a local cluster made by fleet init, or --pids). Exit codes: 0 pass, 5 SLO missed or no steady state, 6 unsafe.`;
  static override examples = ['<%= config.bin %> drill rolling-restart', '<%= config.bin %> drill rolling-restart --rounds 2 --json'];

  async run(): Promise<DrillReport> {
    const { flags } = await this.parse(DrillRollingRestart);
    return this.drill('rolling-restart', flags);
  }
}
