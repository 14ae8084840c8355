import { FleetCommand } from '../cli/base-command.js';
import { EXIT } from '../common/errors.js';
import { contextNamesOf, manyContextsFlags } from '../cli/many-contexts.js';
import type { ClustersOverview } from '../ops/clusters-overview.js';
import type { StatusModel } from '../ops/status.js';

export default class Status extends FleetCommand {
  static override summary = 'Show every member: role, term, commit and applied index, lag, health, and the quorum.';
  static override description = `One row per member of the coordinator cluster; a header with the leader, the term, the quorum size and how many members can still fail. Unreachable members are shown as such. When the leader answers, an AUTOPILOT column gives its verdict on each member (stable, healthy, unhealthy, dead) and a line below the table gives the autopilot settings, the members it judges dead and any change it holds back (see fleet autopilot get); "autopilot" in --json. A "clock:" line names any member whose wall clock is more than 1 s off from the others' ("clockWarnings" in --json): leases stay safe, the times it shows do not. A "loop:" line names any member whose event loop was held longer than a third of its election timeout in the last minute ("loopWarnings" in --json): its heartbeats were late, and its log names the step.

Against an etcd cluster (a context added with --etcd, or --engine etcd): one row per member with its name, commit (raftIndex) and applied (raftAppliedIndex) index, database size and in use, version, alarms and errors. etcd exposes no follower match index over gRPC, so LAG is the leader's commit index minus the member's, each as the member reports it.

Exit codes a script can rely on (the same state is "health.state" in --json, with "health.reasons"):
  0  healthy: every member answers and keeps up, and the cluster survives at least one more failure
  7  degraded: a quorum commits, but a member is down, lagging or stuck, or no further failure is survivable
  3  unavailable: no quorum answers (the table still shows what could be seen)

A member is stuck when it applies nothing of what is committed: its applied index has stayed below its commit index, without moving, for three election timeouts (at least 3 s; 3 s with the default --election-timeout 1s). The member times this itself, so status reports it (HEALTH "stuck: …", "stuck": true in --json, exit 7) within that time of its applying stopping, plus one probe; fleet top shows the same. Restart such a member: it replays its log.

A member cut off from its peers says why on its row when either side refused the other's peer streams in the last 30 s: a clock outside the 5-minute handshake window ("peer streams refused: clock 2.0 h ahead of n1's …; fix NTP"), a wrong peer secret ("bad peer secret"), an id the others do not know; "peerRefusals" in each member's --json status holds the evidence.

With --contexts a,b,c (or --all-contexts): one row per cluster instead — state, leader, term, quorum, failures it tolerates, members down, worst lag, rebind plan running — trouble first. Every cluster is asked at once, each within --timeout; one that does not answer is marked UNREACHABLE and holds up no other. The exit code is the worst of the clusters' (3 over 7 over 0).`;
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --context prod-eu',
    '<%= config.bin %> status --endpoints 127.0.0.1:7781,127.0.0.1:7782,127.0.0.1:7783 --json',
    '<%= config.bin %> status --json | jq -r .health.state',
    '<%= config.bin %> status > /dev/null; case $? in 0) echo healthy;; 7) echo degraded;; 3) echo down;; esac',
    '<%= config.bin %> status --contexts prod-eu,prod-us,staging',
    '<%= config.bin %> status --all-contexts --json',
  ];

  static override flags = {
    ...manyContextsFlags,
  };

  async run(): Promise<StatusModel | ClustersOverview> {
    const { flags } = await this.parse(Status);
    if (flags.contexts !== undefined || flags['all-contexts']) return this.#clusters(flags.contexts);
    // The same probe as bin/run.js's fast path (src/cli/fast-status.ts): one output, whichever path ran.
    const [{ statusOf }, { statusOutcome }] = await Promise.all([import('../cli/fast-status.js'), import('../cli/status-messages.js')]);
    const model = await statusOf(await this.target(), this.globals.timeout);
    if (!this.jsonEnabled()) {
      const [{ renderStatus }, { stdoutPalette }] = await Promise.all([import('../ui/status-table.js'), import('../ui/colors.js')]);
      this.log(renderStatus(model, stdoutPalette()));
    }
    // The model is still the answer (it shows what could be seen); the exit code says how healthy it is.
    const outcome = statusOutcome(model);
    if (outcome.exitCode !== 0) process.exitCode = outcome.exitCode;
    if (outcome.line !== undefined && !this.jsonEnabled()) this.logToStderr(outcome.line);
    return model;
  }

  /** `--contexts`/`--all-contexts`: every named cluster at once, one row each. */
  async #clusters(list: string | undefined): Promise<ClustersOverview> {
    const store = await this.contextStore();
    const names = await contextNamesOf(store, list);
    const [{ statusOf }, { resolveTarget }, { readTokenFile }, { collectOverview }] = await Promise.all([
      import('../cli/fast-status.js'),
      import('../cli/target.js'),
      import('../client/contexts.js'),
      import('../ops/clusters-overview.js'),
    ]);
    const timeout = this.globals.timeout;
    const statusOfContext = async (context: string): Promise<StatusModel> => statusOf(await resolveTarget({ context }, { store: async () => store, readToken: readTokenFile }), timeout);
    // The probes keep their own deadline; this one only guards against a probe that never settles.
    const overview = await collectOverview(names, statusOfContext, timeout + 1_000);
    if (!this.jsonEnabled()) {
      const [{ renderClusters }, { stdoutPalette }] = await Promise.all([import('../ui/clusters-table.js'), import('../ui/colors.js')]);
      this.log(renderClusters(overview, stdoutPalette()));
    }
    const code = overview.state === 'healthy' ? EXIT.ok : overview.state === 'degraded' ? EXIT.degraded : EXIT.unavailable;
    if (code !== 0) process.exitCode = code;
    return overview;
  }
}
