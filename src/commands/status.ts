import { FleetCommand } from '../cli/base-command.js';
import { EXIT } from '../cli/errors.js';
import type { StatusModel } from '../ops/status.js';

export default class Status extends FleetCommand {
  static override summary = 'Show every member: role, term, commit and applied index, lag, health, and the quorum.';
  static override description = `One row per member of the coordinator cluster; a header with the leader, the term, the quorum size and how many members can still fail. Unreachable members are shown as such. Exits 3 when no quorum answers (the table still shows what could be seen).`;
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --context prod-eu',
    '<%= config.bin %> status --endpoints 127.0.0.1:7781,127.0.0.1:7782,127.0.0.1:7783 --json',
  ];

  async run(): Promise<StatusModel> {
    await this.parse(Status);
    const model = await this.statusModel();
    if (!this.jsonEnabled()) {
      const [{ renderStatus }, { stdoutPalette }] = await Promise.all([import('../ui/status-table.js'), import('../ui/colors.js')]);
      this.log(renderStatus(model, stdoutPalette()));
    }
    if (!model.quorum.available) {
      // The model is still the answer (it shows what could be seen); the exit code says there is no quorum.
      process.exitCode = EXIT.unavailable;
      if (!this.jsonEnabled()) this.logToStderr(`error: ${noQuorumReason(model)}`);
    }
    return model;
  }
}

function noQuorumReason(m: StatusModel): string {
  const answered = m.members.filter((r) => r.role !== 'unreachable').length;
  if (answered === 0) return 'no member answered: is the cluster running? (fleet ps, or check --endpoints / the context)';
  if (m.leader === null) return `no leader: ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy; a quorum of ${m.quorum.size} must be up to elect one`;
  return `no quorum: ${m.quorum.healthyVoters} of ${m.quorum.voters} voters healthy, ${m.quorum.size} needed`;
}
