import { Flags } from '@oclif/core';
import { DrillCommand } from '../../cli/drill-command.js';
import type { DrillReport } from '../../ops/drill/index.js';

export default class DrillKillFollower extends DrillCommand {
  static override summary = 'SIGKILL a follower under a recorded workload; the leader must stay and writes must not stop.';
  static override description = `Like kill-leader, but the fault is a follower (--target, or each follower in turn): the leader must keep its term, writes must stay available within the SLO, and the restarted follower must catch up. Verification and exit codes are those of kill-leader (0 pass, 5 SLO missed or no steady state, 6 unsafe).`;
  static override examples = ['<%= config.bin %> drill kill-follower', '<%= config.bin %> drill kill-follower --target n3 --rounds 5'];
  static override flags = {
    target: Flags.string({ description: 'the follower to kill (default: each follower in turn)', helpValue: '<id>', helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport> {
    const { flags } = await this.parse(DrillKillFollower);
    return this.drill('kill-follower', flags, { target: flags.target });
  }
}
