import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import type { LocalClusterView } from '../ops/local-cluster/index.js';

/** `fleet ps --json`. */
export interface PsJson {
  readonly clusters: readonly LocalClusterView[];
}

export default class Ps extends FleetCommand {
  static override summary = 'List the local clusters on this machine, with their members, pids, ports and metrics URLs.';
  static override description = 'Reads the clusters under $XDG_DATA_HOME/fleet/clusters. A member counts as running only when its pid is alive and verifiably that member (a stale pid file is shown as stopped). The METRICS column (metricsUrl in --json) is where each member serves Prometheus metrics; it is - for a member of a cluster made before members had a metrics port, until fleet up restarts it with one. Nothing is asked over the network: fleet status shows roles and lag.';
  static override examples = ['<%= config.bin %> ps', '<%= config.bin %> ps --name local --json'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'only this cluster', helpValue: '<name>' }),
  };

  async run(): Promise<PsJson> {
    const { flags } = await this.parse(Ps);
    const lc = await import('../ops/local-cluster/index.js');
    const all = await lc.listClusters(lc.clustersRoot());
    const clusters = flags.name === undefined ? all : all.filter((c) => c.name === flags.name);
    if (flags.name !== undefined && clusters.length === 0) await lc.openCluster(lc.clustersRoot(), flags.name);
    if (!this.jsonEnabled()) {
      const [{ renderClusterList }, { stdoutPalette }] = await Promise.all([import('../ui/local-cluster.js'), import('../ui/colors.js')]);
      this.log(renderClusterList(clusters, stdoutPalette()));
    }
    return { clusters };
  }
}
