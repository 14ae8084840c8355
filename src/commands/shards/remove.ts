import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { dryRunFlag, yesFlag } from '../../cli/safety-gate.js';
import type { Written } from '../../client/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class ShardsRemove extends FleetCommand {
  static override summary = 'Remove a shard from the registry.';
  static override description = `Refused while clusters are bound to it (exit 4); --force unbinds them, unassigns its domains and drops its quota slices. With --force it first counts what it would unbind, unassign and drop; on a terminal it asks, elsewhere it needs --yes (exit 2 without it). --dry-run prints what it would remove and changes nothing.`;
  static override examples = [
    '<%= config.bin %> shards remove s1',
    '<%= config.bin %> shards remove s1 --force --dry-run',
    '<%= config.bin %> shards remove s1 --force --yes',
  ];
  static override aliases = ['shards:rm'];
  static override args = { id: Args.string({ description: 'shard id', required: true }) };
  static override flags = {
    'request-id': requestIdFlag(),
    force: Flags.boolean({ description: 'unbind its clusters and remove it anyway', default: false }),
    yes: yesFlag,
    'dry-run': dryRunFlag,
  };

  async run(): Promise<Written<'shard.remove'> | PreviewDocument> {
    const { args, flags } = await this.parse(ShardsRemove);
    // A forced removal needs the admin role (docs/security.md): the context's admin token goes with it.
    const registry = await this.registry({ requestId: flags['request-id'], admin: flags.force });
    const [{ previewChange }, { shardRemoval, impactOf }, { passGate, confirmBulk }] = await Promise.all([
      import('../../ops/safety/gate.js'),
      import('../../ops/safety/records.js'),
      import('../../cli/safety-gate.js'),
    ]);
    const [model, what] = await Promise.all([this.gateModel(), shardRemoval(registry, args.id)]);
    const extra = [`unbind ${what.clusters.count} clusters`, `unassign ${what.domains.length} domains`, `drop ${what.quotaSlices.length} quota slices`];
    const summary = flags.force ? `remove shard ${args.id} and ${extra.join(', ')}` : `remove shard ${args.id}`;
    const records = flags.force ? what.clusters : impactOf('remove', 'shards', what.shard === undefined ? 0 : 1, [args.id]);
    const notes = flags.force ? [...(what.domains.length > 0 ? [`domains unassigned: ${what.domains.join(', ')}`] : []), ...(what.quotaSlices.length > 0 ? [`quota slices dropped: ${what.quotaSlices.join(', ')}`] : [])] : [];
    const preview = { ...previewChange(model, { kind: 'write', summary, records }), ...(notes.length > 0 ? { notes } : {}) };
    const dry = await passGate(this, preview, { force: false, dryRun: flags['dry-run'] });
    if (dry) return dry;
    if (flags.force) await confirmBulk(this, preview, summary, { yes: flags.yes });
    const r = await registry.write({ type: 'shard.remove', id: args.id, force: flags.force });
    const done = [r.unboundClusters && `${r.unboundClusters} clusters unbound`, r.unassignedDomains && `${r.unassignedDomains} domains unassigned`, r.droppedQuotaSlices && `${r.droppedQuotaSlices} quota slices dropped`].filter(Boolean);
    return this.wrote(r, `removed shard ${args.id}${done.length ? `: ${done.join(', ')}` : ''} (index ${r.index})`);
  }
}
