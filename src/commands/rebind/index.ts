import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import type { RebindOneResult } from '../../ops/rebind/index.js';

export default class Rebind extends FleetCommand {
  static override summary = 'Move one cluster to another shard (an atomic compare-and-set).';
  static override description = `Moves CLUSTER to --to if it is bound where expected: on --from when given, else wherever it is when the command reads it (so a concurrent move still makes this one fail rather than be overwritten). Prints the old and new shard and the binding generation. A cluster already on --to is left alone (exit 0).

A draining, cordoned or full target is refused unless --force (exit 4). A stale --from exits 4 naming the shard the cluster is actually on.

For many clusters, make a plan: fleet rebind plan generate --help.`;
  static override examples = [
    '<%= config.bin %> rebind c-123 --to s2',
    '<%= config.bin %> rebind c-123 --to s2 --from s1',
    '<%= config.bin %> rebind c-123 --to s3 --force --json',
  ];
  static override args = { cluster: Args.string({ description: 'cluster name', required: true }) };
  static override flags = {
    to: Flags.string({ description: 'the shard to move it to', required: true, helpValue: '<shard>' }),
    from: Flags.string({ description: 'the shard it must be on now (default: where it is when read)', helpValue: '<shard>' }),
    force: Flags.boolean({ description: 'move it even to a draining, cordoned or full shard', default: false }),
  };

  async run(): Promise<RebindOneResult> {
    const { args, flags } = await this.parse(Rebind);
    const registry = await this.registry();
    const { rebindOne } = await import('../../ops/rebind/one.js');
    const r = await rebindOne(registry, args.cluster, flags.to, { from: flags.from, force: flags.force });
    if (!this.jsonEnabled()) {
      const { renderRebindOne } = await import('../../ui/rebind-tables.js');
      this.log(renderRebindOne(r, await this.palette()));
    }
    return r;
  }
}
