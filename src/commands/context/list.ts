import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import type { ContextEntry } from '../../client/contexts.js';

/** `fleet context list --json`: every context and which one is current. */
export interface ContextListResult {
  readonly current: string | null;
  readonly contexts: ReadonlyArray<{ readonly name: string; readonly current: boolean } & ContextEntry>;
}

export default class ContextList extends FleetCommand {
  static override summary = 'List the contexts (named clusters) the CLI can talk to.';
  static override description = 'Contexts live in $XDG_CONFIG_HOME/fleet/contexts.yaml (FLEET_CONFIG_DIR overrides the directory). `fleet init` and `fleet context add` write them; the current one is marked with *.';
  static override examples = ['<%= config.bin %> context list', '<%= config.bin %> context list --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };

  async run(): Promise<ContextListResult> {
    await this.parse(ContextList);
    const list = await (await this.contextStore()).list();
    if (!this.jsonEnabled()) {
      const [{ renderContextList }, { stdoutPalette }] = await Promise.all([import('../../ui/context-table.js'), import('../../ui/colors.js')]);
      this.log(renderContextList(list, stdoutPalette()));
    }
    return {
      current: list.find((c) => c.current)?.name ?? null,
      contexts: list.map((c) => ({ name: c.name, current: c.current, ...c.context })),
    };
  }
}
