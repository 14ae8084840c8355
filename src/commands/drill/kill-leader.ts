import { DrillCommand } from '../../cli/drill-command.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillKillLeader extends DrillCommand {
  static override summary = 'SIGKILL the leader under a recorded workload; measure the failover and prove nothing acknowledged was lost.';
  static override description = `Each round: check the steady state (every member answers, one leader, followers caught up — else exit 5 before injecting anything); run --clients clients doing linearizable reads, writes of unique values and compare-and-sets on --keys registers (KV namespace "drill"), recording every operation; SIGKILL the leader; measure the time until the survivors agree on a new leader and the client-visible unavailability (from the first operation that could not complete to the first write acknowledged afterwards); restart the killed member and time its catch-up; then read every register back and verify: no acknowledged write lost, none applied twice, the history linearizable.

Faults reach the members by signal when their processes are on this machine (a local cluster made by fleet init, or --pids), otherwise through the admin API's Drills service (members started with --enable-drills; needs the admin token).

Against a local etcd cluster (fleet init --engine etcd): the same drill on etcd's KV API, the leader killed by the pid its manifest records and restarted as fleet up starts it; etcd keeps no audit log, so nothing is recorded there.

Exit codes: 0 pass, 5 an SLO was missed or the steady state was not reached, 6 a safety violation (printed with the smallest counterexample).

Before any fault, the safety gate previews it (whom it faults, what the cluster could still lose meanwhile) and refuses (exit 4) a target that does not answer or is behind, or a fault that would cost the quorum; --force runs it anyway, --dry-run prints the preview and runs nothing.`;
  static override examples = [
    '<%= config.bin %> drill kill-leader',
    '<%= config.bin %> drill kill-leader --rounds 10 --report drill.json --history history.jsonl',
    '<%= config.bin %> drill kill-leader --endpoints 127.0.0.1:7781,127.0.0.1:7782,127.0.0.1:7783 --pids n1=4121,n2=4122,n3=4123 --json',
    '<%= config.bin %> drill kill-leader --dry-run',
  ];

  static override flags = { ...DRILL_GATE_FLAGS };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillKillLeader);
    const dry = await gateDrill(this, await this.gateModel({ admin: true }), 'kill-leader', 'leader', flags);
    if (dry) return dry;
    return this.drill('kill-leader', flags);
  }
}
