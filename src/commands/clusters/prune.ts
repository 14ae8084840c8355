import { FleetCommand } from '../../cli/base-command.js';
import { durationFlag, requestIdFlag } from '../../cli/flags.js';
import { dryRunFlag, yesFlag } from '../../cli/safety-gate.js';
import type { Written } from '../../client/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class ClustersPrune extends FleetCommand {
  static override summary = 'Forget clusters not seen for a while.';
  static override description = `Removes every cluster whose last contact is older than --stale (by the registry clock). It first counts them and names the first few; on a terminal it asks before removing them, elsewhere it needs --yes (exit 2 without it). --dry-run prints what it would remove and changes nothing; \`fleet clusters list --stale DURATION\` lists them all.`;
  static override examples = [
    '<%= config.bin %> clusters prune --stale 30d --dry-run',
    '<%= config.bin %> clusters prune --stale 30d',
    '<%= config.bin %> clusters prune --stale 24h --yes --json',
  ];
  static override flags = {
    'request-id': requestIdFlag(),
    stale: durationFlag({ description: 'forget clusters not seen for this long', required: true }),
    yes: yesFlag,
    'dry-run': dryRunFlag,
  };

  async run(): Promise<Written<'cluster.prune'> | PreviewDocument> {
    const { flags } = await this.parse(ClustersPrune);
    // A prune needs the admin role (docs/security.md): the context's admin token goes with it.
    const registry = await this.registry({ requestId: flags['request-id'], admin: true });
    const [{ previewChange }, { staleClusters }, { passGate, confirmBulk }, { formatDuration }] = await Promise.all([
      import('../../ops/safety/gate.js'),
      import('../../ops/safety/records.js'),
      import('../../cli/safety-gate.js'),
      import('../../common/durations.js'),
    ]);
    const [model, records] = await Promise.all([this.gateModel(), staleClusters(registry, flags.stale)]);
    const summary = `prune ${records.count} clusters not seen for ${formatDuration(flags.stale)}`;
    const preview = previewChange(model, { kind: 'write', summary, records });
    const dry = await passGate(this, preview, { force: false, dryRun: flags['dry-run'] });
    if (dry) return dry;
    await confirmBulk(this, preview, summary, { yes: flags.yes });
    const r = await registry.write({ type: 'cluster.prune', notSeenSinceMs: flags.stale });
    return this.wrote(r, `pruned ${r.pruned} clusters (index ${r.index})`);
  }
}
