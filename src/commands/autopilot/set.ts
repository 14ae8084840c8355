import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { UsageError } from '../../common/errors.js';
import { positiveDurationFlag } from '../../cli/flags.js';
import type { AutopilotSettings, AutopilotSettingsView } from '../../client/index.js';

/** `on` or `off` (also true/false, yes/no), so a typo is a usage error rather than a silent "off". */
const onOffFlag = Flags.custom<boolean>({
  parse: async (input) => {
    const v = input.trim().toLowerCase();
    if (['on', 'true', 'yes'].includes(v)) return true;
    if (['off', 'false', 'no'].includes(v)) return false;
    throw new Error(`expected on or off, got ${JSON.stringify(input)}`);
  },
  helpValue: 'on|off',
});

/** `fleet autopilot set --json`: the settings now in force and the ones this call set. */
export interface AutopilotSetResult extends AutopilotSettingsView {
  readonly changed: readonly (keyof AutopilotSettings)[];
}

export default class AutopilotSet extends FleetCommand {
  static override summary = 'Change autopilot settings; the ones not given keep their value.';
  static override description = `The change is replicated through the leader (a compare-and-set, so two operators' changes never overwrite each other unseen). Settings that do not fit together (dead-after shorter than last-contact-threshold, min-quorum 0) are refused with exit 2.

min-quorum is the floor cleanup never goes below: with the default 3, a three-voter cluster keeps a dead voter (and reports it) rather than shrink to two. Lower it only knowingly.`;
  static override examples = [
    '<%= config.bin %> autopilot set --promote-learners on --stabilization 10s',
    '<%= config.bin %> autopilot set --cleanup-dead on --dead-after 30s',
    '<%= config.bin %> autopilot set --cleanup-dead off',
    '<%= config.bin %> autopilot set --preferred-region eu-west-1',
    '<%= config.bin %> autopilot set --min-quorum 5 --max-trailing 500 --last-contact-threshold 1s --json',
  ];
  static override flags = {
    'promote-learners': onOffFlag({ description: 'promote a learner once it has been healthy for the stabilization period' }),
    'cleanup-dead': onOffFlag({ description: 'remove members unheard from for longer than --dead-after, never below --min-quorum voters' }),
    'dead-after': positiveDurationFlag({ description: 'no contact for longer than this makes a member dead (e.g. 30s, 5m)' }),
    'last-contact-threshold': positiveDurationFlag({ description: 'no contact for longer than this makes a member unhealthy' }),
    'max-trailing': Flags.integer({ description: 'a member trailing the leader by more entries than this is unhealthy', min: 0, helpValue: '<entries>' }),
    'min-quorum': Flags.integer({ description: 'the fewest voters cleanup may leave (default 3)', min: 1, max: 9, helpValue: '<voters>' }),
    stabilization: positiveDurationFlag({ description: 'how long a member must stay healthy to be stable (and a learner to be promoted)' }),
    'preferred-region': Flags.string({
      description: 'after a failover, hand leadership back to a stable, caught-up voter of this region (members run with --region); none clears it. fleet status says when the leader runs outside it',
      helpValue: '<region>|none',
    }),
  };

  async run(): Promise<AutopilotSetResult> {
    const { flags } = await this.parse(AutopilotSet);
    const patch = patchOf(flags);
    const changed = Object.keys(patch) as (keyof AutopilotSettings)[];
    if (changed.length === 0) throw new UsageError('nothing to set: give at least one setting, e.g. --cleanup-dead on', 'fleet autopilot set --help');
    const client = await this.client({ admin: true });
    const { FleetClientError } = await import('../../client/index.js');
    let view: AutopilotSettingsView;
    try {
      view = await client.setAutopilot(patch);
    } catch (err) {
      // The leader judges whether the settings fit together; a misfit is the operator's input.
      if (err instanceof FleetClientError && err.kind === 'invalid') throw new UsageError(inFlagTerms(err.message), 'fleet autopilot set --help', err);
      throw err;
    }
    if (!this.jsonEnabled()) {
      const [{ renderAutopilotSettings }, { stdoutPalette }] = await Promise.all([import('../../ui/autopilot.js'), import('../../ui/colors.js')]);
      this.log(renderAutopilotSettings(view.settings, view.problem, stdoutPalette()));
    }
    return { ...view, changed };
  }
}

function patchOf(f: {
  'promote-learners'?: boolean;
  'cleanup-dead'?: boolean;
  'dead-after'?: number;
  'last-contact-threshold'?: number;
  'max-trailing'?: number;
  'min-quorum'?: number;
  stabilization?: number;
  'preferred-region'?: string;
}): Partial<AutopilotSettings> {
  const region = f['preferred-region'];
  const entries: [keyof AutopilotSettings, boolean | number | string | undefined][] = [
    ['preferredRegion', region === 'none' ? '' : region],
    ['autoPromoteLearners', f['promote-learners']],
    ['cleanupDeadMembers', f['cleanup-dead']],
    ['deadAfterMs', f['dead-after']],
    ['lastContactThresholdMs', f['last-contact-threshold']],
    ['maxTrailingEntries', f['max-trailing']],
    ['minQuorum', f['min-quorum']],
    ['stabilizationMs', f.stabilization],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Partial<AutopilotSettings>;
}

/** The flag each setting is set with, for the leader's refusals (which name the settings). */
const FLAG_OF: Readonly<Record<keyof AutopilotSettings, string>> = {
  autoPromoteLearners: '--promote-learners',
  cleanupDeadMembers: '--cleanup-dead',
  deadAfterMs: '--dead-after',
  lastContactThresholdMs: '--last-contact-threshold',
  maxTrailingEntries: '--max-trailing',
  minQuorum: '--min-quorum',
  stabilizationMs: '--stabilization',
  preferredRegion: '--preferred-region',
};

/** The leader's refusal without the endpoint it came from, naming flags rather than settings. */
function inFlagTerms(message: string): string {
  const bare = message.replace(/^[^\s:]+:\d+: /, '');
  return bare.replace(/\b\w+\b/g, (word) => (Object.hasOwn(FLAG_OF, word) ? FLAG_OF[word as keyof AutopilotSettings] : word));
}
