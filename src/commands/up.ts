import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { EXIT } from '../common/errors.js';
import { waitFlag } from '../cli/flags.js';
import type { LocalClusterView } from '../ops/local-cluster/index.js';

/** `fleet up --json`. */
export interface UpJson {
  readonly outcome: 'started' | 'partial' | 'already-running';
  readonly started: readonly string[];
  /** Members that exited while starting, with the error each died of (they are left down). */
  readonly failed: readonly { readonly id: string; readonly reason: string }[];
  readonly leader: string | null;
  readonly elapsedMs: number;
  readonly cluster: LocalClusterView;
}

export default class Up extends FleetCommand {
  static override summary = 'Start a stopped local cluster again from its data.';
  static override description = 'Starts every member of the cluster that is not running (detached, as fleet init does), and waits until a leader is elected and every member has caught up. A member that exits while starting is left down and named with the error it died of (exit 1); the others stay up as long as they make a quorum. Without a quorum, or on a timeout, the members it started are stopped again, and it returns once they have exited. The cluster\'s context is written again, in case it was removed.';
  static override examples = ['<%= config.bin %> up', '<%= config.bin %> up --name dev --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'cluster name', default: 'local', helpValue: '<name>' }),
    timeout: waitFlag({ description: 'how long to wait for the cluster to become healthy', default: 30_000, defaultHelp: async () => '30s' }),
  };

  async run(): Promise<UpJson> {
    const { flags } = await this.parse(Up);
    const lc = await import('../ops/local-cluster/index.js');
    const contexts = await this.contextStore();
    const r = await this.withProgress((progress, signal) => lc.upCluster({ root: lc.clustersRoot(), name: flags.name, contexts, timeoutMs: flags.timeout, progress, signal }));
    if (!this.jsonEnabled()) {
      const [render, { buildStatusModel }, { renderStatus }, { stdoutPalette }] = await Promise.all([
        import('../ui/local-cluster.js'), import('../ops/status.js'), import('../ui/status-table.js'), import('../ui/colors.js'),
      ]);
      const p = stdoutPalette();
      if (r.outcome === 'already-running') this.log(`Local cluster ${flags.name} is already running; nothing changed.`);
      else if (r.outcome === 'partial') {
        this.log(`${p.warn('!')} Local cluster ${p.bold(flags.name)} is up without ${r.failed.map((f) => f.id).join(', ')}: started ${r.started.join(', ') || 'nothing'}, leader ${r.leader} (${render.seconds(r.elapsedMs)}).`);
        this.log('');
        this.log(renderStatus(buildStatusModel(r.statuses), p));
      } else {
        this.log(`${p.ok('✔')} Local cluster ${p.bold(flags.name)} is healthy: started ${r.started.join(', ')}, leader ${r.leader} (${render.seconds(r.elapsedMs)}).`);
        this.log('');
        this.log(renderStatus(r.etcdModel ?? buildStatusModel(r.statuses), p));
      }
    }
    for (const f of r.failed) this.logToStderr(`error: member ${f.id} ${f.reason}`);
    if (r.failed.length > 0) process.exitCode = EXIT.error;
    return { outcome: r.outcome, started: r.started, failed: r.failed, leader: r.leader, elapsedMs: r.elapsedMs, cluster: r.cluster };
  }
}
