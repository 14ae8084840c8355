import { Flags } from '@oclif/core';
import { FleetCommand } from '../../../cli/base-command.js';
import { UsageError } from '../../../common/errors.js';
import type { RebindPlan } from '../../../ops/rebind/index.js';

const list = (text: string | undefined): string[] | undefined => text?.split(',').map((s) => s.trim()).filter(Boolean);

export default class RebindPlanGenerate extends FleetCommand {
  static override summary = 'Write a rebind plan: drain a shard, or rebalance shards by capacity.';
  static override description = `Reads the live bindings and writes a plan of moves (YAML, or JSON when PLAN ends in .json; "-" for stdout). Nothing moves until "fleet rebind plan apply".

--drain SHARD moves every cluster off SHARD onto --to (default: every other active shard), each to the target least utilised (bound/capacity) after taking it, so the targets end as evenly filled as possible; it fails (exit 4) if they lack room.

--rebalance brings --shards (default: every active shard) to their capacity-proportional share of the clusters they hold, with the fewest moves that get there (only shards over their share give clusters, only shards under it take them); --max-moves caps the plan, relieving the fullest shards first.

Which clusters may move: all, or --select GLOB (cluster names; * any run, ? one character, [abc] one of; comma-separated alternatives; "name=GLOB" also works), or --clusters-from FILE (one name per line, # comments).

The plan records the registry's applied index and a digest of the bindings it was computed from, so check and apply can tell when the state has moved on. Generation pages through the clusters (10,000 at a time) and holds only the moves.`;
  static override examples = [
    '<%= config.bin %> rebind plan generate --drain s1 -o drain-s1.yaml',
    '<%= config.bin %> rebind plan generate --drain s1 --to s2,s3 --select "eu-*" -o drain-s1.json',
    '<%= config.bin %> rebind plan generate --rebalance --max-moves 5000 -o rebalance.yaml',
    '<%= config.bin %> rebind plan generate --rebalance --shards s1,s2,s3 --clusters-from movable.txt -o -',
  ];
  static override flags = {
    drain: Flags.string({ description: 'shard to move every cluster off', helpValue: '<shard>', exactlyOne: ['drain', 'rebalance'] }),
    to: Flags.string({ description: 'drain targets, comma-separated (default: every other active shard)', helpValue: '<s1,s2,…>', dependsOn: ['drain'] }),
    rebalance: Flags.boolean({ description: 'spread clusters over shards by capacity', exactlyOne: ['drain', 'rebalance'] }),
    shards: Flags.string({ description: 'shards to rebalance, comma-separated (default: every active shard)', helpValue: '<s1,s2,…>', dependsOn: ['rebalance'] }),
    'max-moves': Flags.integer({ description: 'at most this many moves', min: 1, helpValue: '<n>', dependsOn: ['rebalance'] }),
    select: Flags.string({ description: 'only clusters whose name matches this glob, e.g. "eu-*"', helpValue: '<glob>', exclusive: ['clusters-from'] }),
    'clusters-from': Flags.string({ description: 'only the clusters named in this file, one per line', helpValue: '<file>', exclusive: ['select'] }),
    output: Flags.string({ char: 'o', description: 'where to write the plan (.yaml/.yml, .json, or - for stdout)', required: true, helpValue: '<file>' }),
    id: Flags.string({ description: 'plan id (default: strategy, shards and time, e.g. drain-s1-20250102T030405Z)', helpValue: '<id>' }),
    'page-size': Flags.integer({ description: 'clusters per listing request', default: 10_000, min: 1, max: 10_000, hidden: true }),
  };

  async run(): Promise<{ planId: string; file: string; moves: number; source: RebindPlan['source'] }> {
    const { flags } = await this.parse(RebindPlanGenerate);
    if (flags.output === '-' && this.jsonEnabled()) throw new UsageError('-o - writes the plan to stdout; it cannot be combined with --json');
    const ops = await import('../../../ops/rebind/index.js');
    if (flags.id !== undefined && ops.toName(flags.id) !== flags.id) throw new UsageError(`--id ${JSON.stringify(flags.id)}: use letters, digits and -._:/@, starting with a letter or digit`);
    const filter = flags.select !== undefined ? ops.globFilter(flags.select) : flags['clusters-from'] !== undefined ? await ops.listFilter(flags['clusters-from']) : undefined;
    const request = flags.drain !== undefined ? { kind: 'drain' as const, shards: [flags.drain], targets: list(flags.to) } : { kind: 'rebalance' as const, shards: list(flags.shards), maxMoves: flags['max-moves'] };
    const registry = await this.registry();
    const plan = await ops.generatePlan(registry, request, {
      ...(filter === undefined ? {} : { filter }),
      ...(flags.id === undefined ? {} : { id: flags.id }),
      createdBy: ops.operatorName(),
      now: new Date(),
      pageSize: flags['page-size'],
    });
    await ops.writePlanFile(flags.output, plan);
    if (!this.jsonEnabled()) {
      const { renderPlanSummary } = await import('../../../ui/rebind-tables.js');
      const text = renderPlanSummary(plan, flags.output === '-' ? 'stdout' : flags.output, await this.palette());
      // With -o - stdout is the plan; the summary goes beside it.
      if (flags.output === '-') this.logToStderr(text);
      else this.log(text);
    }
    return { planId: plan.id, file: flags.output, moves: plan.moves.length, source: plan.source };
  }
}
