import { Flags } from '@oclif/core';
import { CliError, EXIT, UsageError } from '../../common/errors.js';
import { DrillCommand } from '../../cli/drill-command.js';
import { durationFlag } from '../../cli/flags.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import { parseDuration } from '../../common/durations.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillWan extends DrillCommand {
  static override summary = 'Emulate WAN round trips between regions, measure writes under them, then kill the leader and measure the failover.';
  static override description = `Every member delays what it sends to a member of another region by half the round trip given for that pair with --latency (both ends together make the round trip), plus up to half of --jitter, and drops --loss of it, through the drill hook of its peer transport — so the members must run with --enable-drills (a local cluster does) and know their --region (fleet init --regions us,eu,ap). Client traffic is not delayed. Under the delays the recorded workload runs for --observe; its write latency (p50, p99) is reported; then the leader is killed as in kill-leader, the time to a new leader and the client-visible unavailability are measured, the killed member is restarted, the links are healed and the history is verified (no acknowledged write lost, none applied twice, linearizable). Delays end by themselves on every member if the drill dies.

Choose the timing from the round trips: the heartbeat well above the largest round trip, the election timeout several heartbeats (fleet init --profile wan: 500ms and 2.5s).

Exit codes: 0 pass, 2 bad --latency (or a pair of regions in use without a round trip), 4 a member reports no region, 5 an SLO was missed, 6 a safety violation.`;
  static override examples = [
    '<%= config.bin %> drill wan --latency us-eu=80ms,us-ap=150ms,eu-ap=200ms',
    '<%= config.bin %> drill wan --latency us-eu=40ms,us-ap=80ms,eu-ap=120ms --jitter 10ms --rounds 3 --json',
  ];
  static override flags = {
    ...DRILL_GATE_FLAGS,
    latency: Flags.string({ description: 'round trip of each pair of regions, e.g. us-eu=80ms,us-ap=150ms,eu-ap=200ms', required: true, helpValue: '<a-b=duration,...>', helpGroup: 'FAULTS' }),
    jitter: durationFlag({ description: 'extra round-trip time drawn per message, at most this (order kept)', default: 0, defaultHelp: async () => '0ms', helpGroup: 'FAULTS' }),
    loss: Flags.string({ description: 'fraction of cross-region peer messages dropped, each direction (0 to 0.5)', default: '0', helpValue: '<fraction>', helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillWan);
    const { parseLatencies, linkPlan } = await import('../../ops/drill/scenarios/scenario-wan.js');
    let roundTripMs: Map<string, number>;
    try {
      roundTripMs = parseLatencies(flags.latency, parseDuration);
    } catch (err) {
      throw new UsageError(`--latency: ${(err as Error).message}`);
    }
    const loss = Number(flags.loss);
    if (!(loss >= 0 && loss <= 0.5)) throw new UsageError(`--loss must be a fraction between 0 and 0.5, got '${flags.loss}'`);
    if (flags.jitter < 0 || flags.jitter > 10_000) throw new UsageError('--jitter must be between 0 and 10s');
    const wan = { roundTripMs, jitterMs: flags.jitter, loss };
    const model = await this.gateModel({ admin: true });
    // Every pair of regions in use needs a round trip: a usage error now, not an aborted drill later.
    const regions = new Map(model.members.filter((m) => m.id !== null).map((m) => [m.id!, m.region ?? '']));
    const unplaced = [...regions].filter(([, r]) => r === '').map(([id]) => id);
    if (unplaced.length > 0) {
      throw new CliError(`${unplaced.join(', ')} report${unplaced.length === 1 ? 's' : ''} no region: the WAN drill delays links between regions`, {
        exitCode: EXIT.precondition,
        code: 'NO_REGION',
        hint: 'start the members with --region (a local cluster: fleet init --zones a,b,c --regions us,eu,ap)',
      });
    }
    try {
      linkPlan(regions, wan);
    } catch (err) {
      throw new UsageError(`--latency: ${(err as Error).message}`);
    }
    const dry = await gateDrill(this, model, 'wan', 'leader', flags);
    if (dry) return dry;
    return this.drill('wan', flags, { wan });
  }
}
