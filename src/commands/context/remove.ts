import { Args } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';

export default class ContextRemove extends FleetCommand {
  static override summary = 'Forget a context.';
  static override description = 'Removes the entry from contexts.yaml only: the cluster, its data and its token files are left alone (for a local cluster, see fleet destroy). Removing the current context leaves none current. A name there is no context of exits 9 (not found).';
  static override examples = ['<%= config.bin %> context remove staging'];
  static override aliases = ['context:rm'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { name: Args.string({ description: 'context name', required: true }) };

  async run(): Promise<{ removed: string }> {
    const { args } = await this.parse(ContextRemove);
    const existed = await (await this.contextStore()).remove(args.name);
    if (!existed) throw new CliError(`no context named ${JSON.stringify(args.name)}`, { hint: 'fleet context list', exitCode: EXIT.notFound });
    this.log(`removed context ${args.name}`);
    return { removed: args.name };
  }
}
