import { FleetCommand } from '../cli/base-command.js';
import { EXIT } from '../cli/errors.js';
import type { StatusModel } from '../ops/status.js';
import { noQuorumReason } from '../cli/status-messages.js';

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
    // The same probe as bin/run.js's fast path (src/cli/fast-status.ts): one output, whichever path ran.
    const { statusOf } = await import('../cli/fast-status.js');
    const model = await statusOf(await this.target(), this.globals.timeout);
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
