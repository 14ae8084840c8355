/**
 * Throughput of the linearizability checker on histories of a simulated register:
 * `node --import tsx bench/history-check.ts`. Prints ops/s per history shape; the first is
 * the reference figure (10k ops, 8 processes, 16 keys).
 */
import { performance } from 'node:perf_hooks';
import { checkLinearizable } from '../src/ops/history/index.js';
import { simulateRegisterHistory } from '../test/ops/history/register-simulation.js';

/** A seeded generator (mulberry32), so every run checks the same histories. */
function seeded(seed: number): (bound: number) => number {
  let s = seed >>> 0;
  return (bound) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % bound) | 0;
  };
}

function measure(name: string, ops: number, processes: number, keys: number, rounds: number): void {
  const events = simulateRegisterHistory({ ops, processes, keys, random: seeded(42) });
  const verdict = checkLinearizable(events);
  if (verdict.ok !== true) throw new Error(`bench history judged ${JSON.stringify(verdict)}`);
  for (let i = 0; i < 5; i++) checkLinearizable(events); // let the JIT settle before timing
  const start = performance.now();
  for (let i = 0; i < rounds; i++) checkLinearizable(events);
  const ms = (performance.now() - start) / rounds;
  const rate = Math.round((ops / ms) * 1000).toLocaleString('en-US');
  console.log(`${name.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms/check  ${rate.padStart(12)} ops/s`);
}

measure('10k ops, 8 processes, 16 keys', 10_000, 8, 16, 20);
measure('3k ops, 16 processes, 3 keys (sim)', 3_000, 16, 3, 20);
measure('100k ops, 8 processes, 16 keys', 100_000, 8, 16, 3);
