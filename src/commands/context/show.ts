import { Args } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';
import type { ContextEntry } from '../../client/contexts.js';

export default class ContextShow extends FleetCommand {
  static override summary = 'Show a context (default: the current one).';
  static override examples = ['<%= config.bin %> context show', '<%= config.bin %> context show prod-eu --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { name: Args.string({ description: 'context name (default: the current one)' }) };

  async run(): Promise<{ name: string; current: boolean } & ContextEntry> {
    const { args } = await this.parse(ContextShow);
    const store = await this.contextStore();
    const current = await store.current();
    const name = args.name ?? current?.name;
    if (name === undefined) throw new CliError('no current context', { hint: 'fleet context list, then fleet context use NAME', code: 'NO_TARGET' });
    const context = await store.require(name);
    const isCurrent = current?.name === name;
    if (!this.jsonEnabled()) {
      const [{ renderContext }, { stdoutPalette }] = await Promise.all([import('../../ui/context-table.js'), import('../../ui/colors.js')]);
      this.log(renderContext(name, context, isCurrent, stdoutPalette()));
    }
    return { name, current: isCurrent, ...context };
  }
}
