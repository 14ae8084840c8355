import { Args } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { requestIdFlag } from '../../cli/flags.js';
import { dryRunFlag } from '../../cli/safety-gate.js';
import type { Written } from '../../client/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class ClustersUnbind extends FleetCommand {
  static override summary = 'Unbind a cluster: it stays known, bound to no shard.';
  static override description = 'Its next contact binds it again (first contact wins). --dry-run prints what it would unbind and changes nothing.';
  static override examples = ['<%= config.bin %> clusters unbind c-123', '<%= config.bin %> clusters unbind c-123 --dry-run --json'];
  static override args = { name: Args.string({ description: 'cluster name', required: true }) };
  static override flags = { 'dry-run': dryRunFlag, 'request-id': requestIdFlag() };

  async run(): Promise<Written<'cluster.unbind'> | PreviewDocument> {
    const { args, flags } = await this.parse(ClustersUnbind);
    const registry = await this.registry({ requestId: flags['request-id'] });
    const [{ previewChange }, { impactOf }, { passGate }] = await Promise.all([import('../../ops/safety/gate.js'), import('../../ops/safety/records.js'), import('../../cli/safety-gate.js')]);
    const [model, cluster] = await Promise.all([this.gateModel(), registry.getCluster(args.name)]);
    const bound = cluster?.shard ?? null;
    const summary = bound === null ? `unbind ${args.name} (${cluster === undefined ? 'unknown' : 'not bound'}: nothing to do)` : `unbind ${args.name} from ${bound}`;
    const records = impactOf('unbind', 'clusters', bound === null ? 0 : 1, bound === null ? [] : [`${args.name} from ${bound}`]);
    const dry = await passGate(this, previewChange(model, { kind: 'write', summary, records }), { force: false, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const r = await registry.write({ type: 'cluster.unbind', cluster: args.name });
    return this.wrote(r, r.previousShard === null ? `${args.name} was not bound` : `unbound ${args.name} from ${r.previousShard} (index ${r.index})`);
  }
}
