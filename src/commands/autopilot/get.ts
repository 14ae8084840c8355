import { FleetCommand } from '../../cli/base-command.js';
import type { AutopilotSettingsView } from '../../client/index.js';

export default class AutopilotGet extends FleetCommand {
  static override summary = 'Show the autopilot settings (replicated: every member answers the same).';
  static override description = `Autopilot runs in the leader. With promote-learners on, a learner that stays healthy (heard from within last-contact-threshold, trailing by at most max-trailing entries) for the stabilization period is promoted to voter. With cleanup-dead on, a member unheard from for longer than dead-after is removed, one at a time, and only while at least min-quorum voters remain and the live voters keep a majority. Both are off by default. \`fleet status\` shows each member's health as autopilot judges it (stable, healthy, unhealthy, dead) and what autopilot holds back. Change the settings with \`fleet autopilot set\`.`;
  static override examples = ['<%= config.bin %> autopilot get', '<%= config.bin %> autopilot get --json | jq .settings.cleanupDeadMembers'];

  async run(): Promise<AutopilotSettingsView> {
    await this.parse(AutopilotGet);
    const client = await this.client({ admin: true });
    const view = await client.getAutopilot();
    if (!this.jsonEnabled()) {
      const [{ renderAutopilotSettings }, { stdoutPalette }] = await Promise.all([import('../../ui/autopilot.js'), import('../../ui/colors.js')]);
      this.log(renderAutopilotSettings(view.settings, view.problem, stdoutPalette()));
    }
    return view;
  }
}
