import { Flags } from '@oclif/core';
import { UsageError } from '../../common/errors.js';
import { DrillCommand } from '../../cli/drill-command.js';
import { durationFlag } from '../../cli/flags.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillPartition extends DrillCommand {
  static override summary = 'Cut one member off from the others, then heal: the minority commits nothing and the heal disrupts nobody.';
  static override description = `The isolated member (--isolate leader, or a member id) drops all peer traffic to and from the others, in both directions, for --duration, through the drill hook of its transport — so the members must run with --enable-drills and the drill needs the admin token; client traffic is unaffected. Checked besides the history: the isolated member's commit index does not move while it is cut off (a safety violation otherwise, exit 6), and when the partition heals the majority keeps its leader and term (pre-vote: no disruption; exit 5 otherwise). Before any fault, the safety gate previews it (whom it faults, what the cluster could still lose meanwhile) and refuses (exit 4) a target that does not answer or is behind, or a fault that would cost the quorum; --force runs it anyway, --dry-run prints the preview and runs nothing.`;
  static override examples = ['<%= config.bin %> drill partition', '<%= config.bin %> drill partition --isolate n2 --duration 5s', '<%= config.bin %> drill partition --dry-run'];
  static override flags = {
    ...DRILL_GATE_FLAGS,
    isolate: Flags.string({ description: '"leader" or the id of the member to cut off', default: 'leader', helpValue: '<leader|id>', helpGroup: 'FAULTS' }),
    duration: durationFlag({ description: 'how long the partition lasts (at most 10m)', default: 10_000, defaultHelp: async () => '10s', helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillPartition);
    if (flags.duration <= 0 || flags.duration > 600_000) throw new UsageError('--duration must be between 1ms and 10m');
    const dry = await gateDrill(this, await this.statusModel(await this.client({ admin: true })), 'partition', flags.isolate === 'leader' ? 'leader' : { id: flags.isolate }, flags);
    if (dry) return dry;
    return this.drill('partition', flags, { isolate: flags.isolate, partitionMs: flags.duration });
  }
}
