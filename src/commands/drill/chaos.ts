import { Flags } from '@oclif/core';
import { randomInt } from 'node:crypto';
import { DrillCommand } from '../../cli/drill-command.js';
import { durationFlag } from '../../cli/flags.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import { checkChaosPlan, NEMESES, parseNemeses } from '../../ops/drill/scenarios/chaos-schedule.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillChaos extends DrillCommand {
  static override summary = 'Mixed faults on a seeded schedule — kills, pauses, partitions, clock skews and disk stalls — under the recorded workload, then the same verification and verdict.';
  static override description = `For --duration, one member at a time is killed (and restarted), paused, cut off from the others or has its disk syncs stalled, the leader about half the time, each for 1–4 s with a quiet gap after it; beside that, one member at a time has its wall clock moved up to 30 s either way. The schedule comes from --seed (printed at the start and kept in the report), so a failing run can be made again. Partitions, clock skews and disk stalls go through the Drills API: the members must run with --enable-drills (a local cluster does) and the drill needs the admin token. The workload, the linearizability check and the verdict are the single-fault drills': exit 0 pass, 5 an SLO missed or a member that did not come back, 6 a safety violation. Refused up front (exit 2): an unknown nemesis, a duration too short for one fault, and fewer than three members when a member is taken away (one away would leave no quorum). Ctrl-C heals every fault in force and restarts every member the drill stopped before it exits.`;
  static override examples = [
    '<%= config.bin %> drill chaos --duration 1m',
    '<%= config.bin %> drill chaos --nemesis kill,partition --duration 5m --seed 42 --report chaos.html',
    '<%= config.bin %> drill chaos --nemesis clock --duration 30s',
  ];
  static override flags = {
    ...DRILL_GATE_FLAGS,
    rounds: Flags.integer({ description: 'runs of the whole schedule (round r uses seed + r - 1)', default: 1, min: 1, max: 100, helpGroup: 'WORKLOAD' }),
    nemesis: Flags.string({ description: `the faults to mix, comma-separated: ${NEMESES.join(', ')}`, default: NEMESES.join(','), helpValue: '<kill,pause,…>', helpGroup: 'FAULTS' }),
    duration: durationFlag({ description: 'how long the faults go on, each round (at least 7s)', default: 60_000, defaultHelp: async () => '1m', helpGroup: 'FAULTS' }),
    seed: Flags.integer({ description: 'the seed of the fault schedule (default: a random one, printed)', min: 0, max: 2 ** 31 - 1, helpGroup: 'FAULTS' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillChaos);
    const nemeses = parseNemeses(flags.nemesis);
    const seed = flags.seed ?? randomInt(0, 2 ** 31 - 1);
    const model = await this.statusModel(await this.client({ admin: true }));
    checkChaosPlan({ seed, durationMs: flags.duration, nemeses, members: model.members.flatMap((m) => (m.id === null ? [] : [m.id])) });
    const takesAMember = nemeses.some((n) => n !== 'clock');
    const dry = await gateDrill(this, model, 'chaos', takesAMember ? 'leader' : { id: model.leader ?? '' }, flags);
    if (dry) return dry;
    // On stderr with --json too (oclif's logToStderr is silent then): the seed is what makes a run again.
    process.stderr.write(`chaos: seed ${seed}, ${nemeses.join(', ')}, ${flags.duration / 1000}s a round (again: --seed ${seed})\n`);
    return this.drill('chaos', flags, { chaos: { nemeses, durationMs: flags.duration, seed } });
  }
}
