import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RaftStorage, type OpenedStorage } from '../../../src/core/storage/index.js';
import { payload, seeded, tempDir } from './helpers.js';

const SEED = Number(process.env.STORAGE_CRASH_SEED ?? 20_240_611);
const ITERATIONS = 8;
const SEGMENT_BYTES = 64 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.join(here, 'fixtures', 'crash-writer.ts');
const REPO = path.resolve(here, '../../..');

interface Submit {
  readonly seq: number;
  readonly first: number;
  readonly count: number;
  readonly term: number;
}

/** What one child printed before it died. Only complete lines count. */
interface Transcript {
  readonly submits: Submit[];
  readonly acked: number[];
  readonly snapped: { index: number; term: number }[];
}

/** The log as the parent believes it: terms[i] is the term of entry i (index 0 unused). */
type Model = number[];

describe('crash safety', () => {
  it(`keeps every acknowledged write across SIGKILLs at random moments (seed ${SEED})`, async () => {
    const dir = tempDir();
    const random = seeded(SEED);
    let model: Model = [0];
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      // Iteration 3 is killed as soon as it starts opening the directory: a crash during recovery itself.
      const killAt = iteration === 3 ? { prefix: 'opening', count: 1 } : { prefix: 'ack ', count: 1 + random(400) };
      const transcript = await runAndKill(dir, SEED + iteration, killAt);
      const opened = await RaftStorage.open(dir, { segmentBytes: SEGMENT_BYTES });
      try {
        model = verify(model, transcript, opened, `seed ${SEED}, iteration ${iteration}`);
      } finally {
        await opened.storage.close();
      }
    }
    expect(model.length - 1).toBeGreaterThan(100);
  });
});

/** Runs the writer until it has printed `count` lines starting with `prefix`, then SIGKILLs it. */
async function runAndKill(dir: string, seed: number, killAt: { prefix: string; count: number }): Promise<Transcript> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(seed), String(SEGMENT_BYTES)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const reached = new Promise<void>((resolve, reject) => {
    const what = `${killAt.count} "${killAt.prefix}" lines`;
    const deadline = setTimeout(() => reject(new Error(`writer did not print ${what} within 30 s; stderr: ${err}`)), 30_000);
    const check = () => {
      if (countLines(out, killAt.prefix) >= killAt.count) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(deadline);
      reject(new Error(`writer exited early with ${code}: ${err}`));
    });
    check();
  });
  try {
    await reached;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return parse(out);
}

/** Complete lines of `out` that start with `prefix`. */
function countLines(out: string, prefix: string): number {
  let n = 0;
  for (let start = 0, end = out.indexOf('\n'); end >= 0; start = end + 1, end = out.indexOf('\n', start)) {
    if (out.startsWith(prefix, start)) n++;
  }
  return n;
}

function parse(out: string): Transcript {
  const lines = out.split('\n').slice(0, -1); // the last piece is incomplete (or empty)
  const t: Transcript = { submits: [], acked: [], snapped: [] };
  for (const line of lines) {
    const [kind, ...rest] = line.split(' ');
    const n = rest.map(Number);
    if (kind === 'submit') t.submits.push({ seq: n[0] ?? 0, first: n[1] ?? 0, count: n[2] ?? 0, term: n[3] ?? 0 });
    else if (kind === 'ack') t.acked.push(n[0] ?? 0);
    else if (kind === 'snapped') t.snapped.push({ index: n[0] ?? 0, term: n[1] ?? 0 });
  }
  return t;
}

/**
 * Checks the recovered state against what the child printed, and returns it as the next model.
 * Batches become durable in submission order, so the recovered log must be the old model with
 * submits 1..k applied — k at least the last acknowledged — plus possibly a prefix of batch k+1
 * (a write cut short by the kill).
 */
function verify(before: Model, t: Transcript, opened: OpenedStorage, where: string): Model {
  if (!t.acked.every((seq, k) => seq === k + 1)) throw new Error(`${where}: acknowledgements out of submission order: ${t.acked.join(',')}`);
  checkContiguous(opened, where);
  const snapIndex = opened.snapshot?.meta.index ?? 0;
  const recovered = opened.entries;
  const matches = (m: Model) =>
    m.length - 1 === snapIndex + recovered.length &&
    recovered.every((e) => m[e.index] === e.term) &&
    (snapIndex === 0 || m[snapIndex] === opened.snapshot?.meta.term);
  const acked = t.acked.length;
  const model = [...before];
  let matched: Model | undefined = acked === 0 && matches(model) ? [...model] : undefined;
  for (const [k, s] of t.submits.entries()) {
    model.length = s.first;
    for (let i = 0; i < s.count; i++) {
      model.push(s.term);
      // Submits 1..k+1 applied in full (k+1 ≥ acked), or a prefix of k+1 after 1..k (k ≥ acked).
      const possible = i === s.count - 1 ? k + 1 >= acked : k + 1 > acked;
      if (possible && matches(model)) matched = [...model];
    }
  }
  if (!matched) {
    throw new Error(
      `${where}: recovered log (snapshot ${snapIndex}, entries ${recovered[0]?.index ?? '-'}..${recovered.at(-1)?.index ?? '-'}) ` +
        `is not the log after ${acked} acknowledged of ${t.submits.length} submitted batches`,
    );
  }
  const lastSnap = t.snapped.at(-1);
  if (lastSnap && snapIndex < lastSnap.index) throw new Error(`${where}: acknowledged snapshot at ${lastSnap.index} lost (have ${snapIndex})`);
  const lastAckedTerm = t.submits[acked - 1]?.term ?? 0;
  if (opened.hardState.term < lastAckedTerm) throw new Error(`${where}: hard state term ${opened.hardState.term} < acknowledged ${lastAckedTerm}`);
  return matched;
}

function checkContiguous(opened: OpenedStorage, where: string): void {
  const snapIndex = opened.snapshot?.meta.index ?? 0;
  opened.entries.forEach((e, k) => {
    if (e.index !== snapIndex + 1 + k) throw new Error(`${where}: log not contiguous at ${e.index}`);
    if (!Buffer.from(e.data).equals(Buffer.from(payload(e.index, e.term)))) throw new Error(`${where}: payload of entry ${e.index} is wrong`);
    const prev = opened.entries[k - 1];
    if (prev && prev.term > e.term) throw new Error(`${where}: term goes down at ${e.index}`);
  });
}
