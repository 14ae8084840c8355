import { Args } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';

export default class ContextUse extends FleetCommand {
  static override summary = 'Make a context the current one.';
  static override description = 'Commands without --context or --endpoints (and without FLEET_CONTEXT or FLEET_ENDPOINTS) talk to the current context.';
  static override examples = ['<%= config.bin %> context use prod-eu'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { name: Args.string({ description: 'context name', required: true }) };

  async run(): Promise<{ current: string }> {
    const { args } = await this.parse(ContextUse);
    await (await this.contextStore()).use(args.name);
    this.log(`switched to context ${args.name}`);
    return { current: args.name };
  }
}
