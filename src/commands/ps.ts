import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import type { PsClusterView } from '../ops/local-cluster/index.js';

/** `fleet ps --json`. */
export interface PsJson {
  readonly clusters: readonly PsClusterView[];
}

/** How long ps waits for a cluster's members to say their roles: on loopback they answer in milliseconds. */
const ROLE_PROBE_MS = 2_000;

export default class Ps extends FleetCommand {
  static override summary = 'List the local clusters on this machine, with their members, roles, pids, ports and metrics URLs.';
  static override description = 'Reads the clusters under $XDG_DATA_HOME/fleet/clusters. A member counts as running only when its pid is alive and verifiably that member (a stale pid file is shown as stopped). The ROLE column ("role" of each member in --json) is what each running member says it is, as fleet status shows it: leader, follower, candidate, learner or replica; - (null) for a member that is stopped or did not answer within 2 s. "leader" in --json is the id of the member that leads (null when none does), so the leader\'s pid is one jq away. The METRICS column (metricsUrl in --json) is where each member serves Prometheus metrics; it is - for a member of a cluster made before members had a metrics port, until fleet up restarts it with one. fleet status shows terms, indexes and lag.';
  static override examples = [
    '<%= config.bin %> ps',
    '<%= config.bin %> ps --name local --json',
    { description: "The leader's pid", command: "<%= config.bin %> ps --name local --json | jq '.clusters[0] as $c | $c.members[] | select(.id == $c.leader) | .pid'" },
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'only this cluster', helpValue: '<name>' }),
  };

  async run(): Promise<PsJson> {
    const { flags } = await this.parse(Ps);
    const [lc, { statusOf }] = await Promise.all([import('../ops/local-cluster/index.js'), import('../cli/fast-status.js')]);
    if (flags.name !== undefined) await lc.openCluster(lc.clustersRoot(), flags.name);
    // fleet status's own probe and model: ps shows the roles status would.
    const clusters = await lc.psClusters(lc.clustersRoot(), (target) => statusOf(target, ROLE_PROBE_MS), flags.name);
    if (!this.jsonEnabled()) {
      const [{ renderClusterList }, { stdoutPalette }] = await Promise.all([import('../ui/local-cluster.js'), import('../ui/colors.js')]);
      this.log(renderClusterList(clusters, stdoutPalette()));
    }
    return { clusters };
  }
}
