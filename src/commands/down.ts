import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { waitFlag } from '../cli/flags.js';
import type { DownResult } from '../ops/local-cluster/index.js';

export default class Down extends FleetCommand {
  static override summary = 'Stop a local cluster; its data stays for fleet up.';
  static override description = 'Sends SIGTERM to the followers first and to the leader last (so no election runs while the cluster goes down), waits up to --timeout for all of them to exit, then sends SIGKILL to what is left. Nothing acknowledged is lost either way. Only processes verifiably the cluster\'s members are signalled.';
  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --name dev --timeout 30s'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    timeout: waitFlag({ description: 'how long members get to exit after SIGTERM before SIGKILL', default: 10_000, defaultHelp: async () => '10s' }),
  };

  async run(): Promise<{ name: string } & DownResult> {
    const { flags } = await this.parse(Down);
    const lc = await import('../ops/local-cluster/index.js');
    const r = await lc.downCluster({ root: lc.clustersRoot(), name: flags.name, timeoutMs: flags.timeout });
    if (r.outcome === 'already-stopped') this.log(`Local cluster ${flags.name} is not running; nothing to stop.`);
    else {
      const killed = r.killed.length > 0 ? `; ${r.killed.join(', ')} needed SIGKILL after ${flags.timeout / 1000}s` : '';
      const order = r.leader ? ` (leader ${r.leader} last)` : '';
      this.log(`Stopped local cluster ${flags.name}: ${[...r.stopped, ...r.killed].join(', ')}${order}${killed}. Start it again with: fleet up${flags.name === 'local' ? '' : ` --name ${flags.name}`}`);
    }
    return { name: flags.name, ...r };
  }
}
