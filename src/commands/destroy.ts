import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { UsageError } from '../common/errors.js';
import { waitFlag } from '../cli/flags.js';
import type { DestroyResult } from '../ops/local-cluster/index.js';

export default class Destroy extends FleetCommand {
  static override summary = 'Stop a local cluster and remove it with all its data.';
  static override description = 'Stops the members (as fleet down does), removes their data dirs, the cluster\'s tokens and manifest, and its context. When that context was the current one and exactly one other is left, that one becomes current and it says so; with several left, none is current and it lists them for fleet context use ("current" in --json: {"now", "remaining"}). Asks first on a terminal; without a terminal it refuses unless --yes is given.';
  static override examples = ['<%= config.bin %> destroy', '<%= config.bin %> destroy --name dev --yes'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation', default: false }),
    timeout: waitFlag({ description: 'how long members get to exit after SIGTERM before SIGKILL', default: 10_000, defaultHelp: async () => '10s' }),
  };

  async run(): Promise<DestroyResult> {
    const { flags } = await this.parse(Destroy);
    const lc = await import('../ops/local-cluster/index.js');
    const root = lc.clustersRoot();
    const cluster = await lc.viewOf(await lc.openCluster(root, flags.name));
    if (!flags.yes && !(await this.confirm(cluster))) {
      this.log('Nothing removed.');
      return { name: flags.name, stopped: [], removed: [], contextRemoved: false };
    }
    const r = await lc.destroyCluster({ root, name: flags.name, contexts: await this.contextStore(), timeoutMs: flags.timeout });
    const stopped = r.stopped.length > 0 ? `stopped ${r.stopped.join(', ')}, ` : '';
    this.log(`Destroyed local cluster ${flags.name}: ${stopped}removed its data${r.contextRemoved ? ' and its context' : ''}.`);
    if (r.current !== undefined) {
      const { currentAfterDestroyLine } = await import('../ui/local-cluster.js');
      this.log(currentAfterDestroyLine(r.current));
    }
    return r;
  }

  /** Asks on the terminal; without one, refuses (exit 2) rather than guess. */
  private async confirm(cluster: { name: string; home: string; members: readonly { running: boolean }[] }): Promise<boolean> {
    if (!process.stdin.isTTY) throw new UsageError(`refusing to destroy ${cluster.name} without confirmation: no terminal to ask on`, 'pass --yes to confirm');
    const running = cluster.members.filter((m) => m.running).length;
    const what = `${running > 0 ? `Stop ${running} running member${running === 1 ? '' : 's'} and remove` : 'Remove'} local cluster ${cluster.name} and all its data (${cluster.home})? [y/N] `;
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(what)).trim());
    } finally {
      rl.close();
    }
  }
}
