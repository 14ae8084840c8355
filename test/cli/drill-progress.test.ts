import { describe, expect, it } from 'vitest';
import { roundLines } from '../../src/cli/drill-command.js';
import type { DrillProgress } from '../../src/ops/drill/index.js';

const at = (round: number, phase: DrillProgress['phase']): DrillProgress => ({ round, rounds: 2, phase, leader: 'n1', opsPerSec: 100, acknowledged: 10 * round, compareFailed: 0, failed: 0, indeterminate: 0 });

describe("a drill's progress off a terminal", () => {
  it('prints one line per round, as its workload ends, and nothing on a terminal', () => {
    const written: string[] = [];
    const pipe = { isTTY: false, write: (s: string) => written.push(s) };
    const line = roundLines((p) => `round ${p.round} acked ${p.acknowledged}`, pipe);
    for (const p of [at(1, 'warmup'), at(1, 'fault'), at(1, 'verify'), at(1, 'verify'), at(1, 'cleanup'), at(2, 'fault'), at(2, 'verify')]) line(p);
    expect(written).toEqual(['round 1 acked 10\n', 'round 2 acked 20\n']);
    const tty: string[] = [];
    const onTerminal = roundLines(() => 'x', { isTTY: true, write: (s: string) => tty.push(s) });
    onTerminal(at(1, 'verify'));
    expect(tty).toEqual([]);
  });

  it('with a period (chaos), also prints a line every period while the round goes on', () => {
    const written: string[] = [];
    let t = 0;
    const line = roundLines((p) => `${p.phase} acked ${p.acknowledged}`, { isTTY: false, write: (s: string) => written.push(s) }, { everyMs: 60_000, now: () => t });
    for (const [ms, p] of [[1_000, at(1, 'warmup')], [30_000, at(1, 'fault')], [61_000, at(1, 'fault')], [90_000, at(1, 'fault')], [125_000, at(1, 'restore')], [130_000, at(1, 'verify')]] as const) {
      t = ms;
      line(p);
    }
    expect(written).toEqual(['fault acked 10\n', 'restore acked 10\n', 'verify acked 10\n']);
  });
});
