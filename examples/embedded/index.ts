/**
 * An application that embeds its coordinator: one program, its own replicated state (the job
 * board of job-board.ts), no second piece of infrastructure.
 *
 *   alone:         node --import tsx examples/embedded/index.ts --id a --data /tmp/jobs-a --listen 127.0.0.1:7791
 *   three copies:  … --id a --listen 127.0.0.1:7791 --peers a=127.0.0.1:7791,b=127.0.0.1:7792,c=127.0.0.1:7793
 *                  (and b, c likewise), each with its own --data
 *
 * Alone, it posts, claims and finishes a few jobs, prints the board and stops. With
 * `--workload SECONDS --history FILE` it runs workers that post, claim, finish and read jobs for
 * that long, recording every operation as a Jepsen-style history (one JSON line each, written as
 * it happens so a SIGKILL loses nothing recorded), then keeps serving until SIGTERM.
 */
import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MemberError, startMember } from 'fleet/embed';
import { JobBoard, type Step, type StepAnswer } from './job-board.js';

const { values: args } = parseArgs({
  options: {
    id: { type: 'string' },
    data: { type: 'string' },
    listen: { type: 'string' },
    peers: { type: 'string' },
    workload: { type: 'string' },
    history: { type: 'string' },
    process: { type: 'string', default: '0' },
    keys: { type: 'string', default: '40' },
  },
});

function say(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, id: args.id, ...fields })}\n`);
}

function peersOf(list: string | undefined): Record<string, string> | undefined {
  if (list === undefined) return undefined;
  return Object.fromEntries(list.split(',').map((p) => p.split('=') as [string, string]));
}

const board = new JobBoard();
// apis: ['fleet'] lets the fleet CLI (and the test's client) see the cluster; the job board needs none.
const member = await startMember({ id: args.id!, dataDir: args.data!, listen: args.listen!, stateMachine: board, apis: ['fleet'], ...(args.peers ? { peers: peersOf(args.peers)! } : {}) });
member.on('fatal', (err) => {
  say('fatal', { message: err.message });
  process.exitCode = 1;
});
member.on('fault', (fault) => say('fault', { ...fault }));
say('started', { port: member.port });

async function step(key: string, from: string | null, to: string): Promise<StepAnswer> {
  const { value } = await member.submitWrite('step', JSON.stringify({ key, from, to } satisfies Step));
  return value as StepAnswer;
}

if (args.workload === undefined) {
  await member.ready({ timeoutMs: 10_000 });
  for (const key of ['build-1', 'build-2', 'build-3']) await step(key, null, 'posted');
  await step('build-1', 'posted', `claimed:${args.id}`);
  await step('build-1', `claimed:${args.id}`, 'done');
  const refused = await step('build-1', 'posted', 'claimed:late');
  const { value: counts, index } = await member.read((b) => b.counts());
  say('board', { counts, index, refused });
  await member.stop();
} else {
  const stop = async (): Promise<void> => {
    await member.stop();
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGTERM', () => void stop());
  await member.ready();
  await runWorkload(Number(args.workload) * 1000, args.history!, Number(args.process), Number(args.keys));
  say('workload-done', { counts: board.counts() });
}

/** Two workers, each with one operation outstanding at a time, on shared job keys. */
async function runWorkload(ms: number, historyFile: string, base: number, keys: number): Promise<void> {
  const fd = openSync(historyFile, 'a');
  const now = (): number => performance.timeOrigin + performance.now();
  const record = (e: object): void => void writeSync(fd, `${JSON.stringify(e)}\n`);
  const until = Date.now() + ms;
  const worker = async (slot: number): Promise<void> => {
    let proc = base * 100 + slot;
    const name = `${args.id}.${slot}`;
    while (Date.now() < until) {
      const key = `job-${Math.floor(Math.random() * keys)}`;
      const roll = Math.random();
      if (roll < 0.3) {
        record({ process: proc, type: 'invoke', f: 'read', key, value: null, time: now() });
        try {
          const { value } = await member.read((b) => b.get(key));
          record({ process: proc, type: 'ok', f: 'read', key, value, time: now() });
        } catch {
          record({ process: proc, type: 'fail', f: 'read', key, value: null, time: now() });
        }
        continue;
      }
      const [from, to] = roll < 0.55 ? [null, 'posted'] : roll < 0.8 ? ['posted', `claimed:${name}`] : [`claimed:${name}`, 'done'];
      record({ process: proc, type: 'invoke', f: 'cas', key, value: [from, to], time: now() });
      try {
        const answer = await step(key, from, to);
        record({ process: proc, type: answer.ok ? 'ok' : 'fail', f: 'cas', key, value: [from, to], time: now(), ...(answer.ok ? {} : { error: 'compare-failed' }) });
      } catch (err) {
        // A retryable refusal came before the command was proposed: it did not apply. Anything else (OUTCOME_UNKNOWN above all): it may have.
        const notApplied = err instanceof MemberError && err.retryable;
        record({ process: proc, type: notApplied ? 'fail' : 'info', f: 'cas', key, value: [from, to], time: now() });
        if (!notApplied) proc += 10_000; // an operation left open keeps its process busy for ever
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all([worker(0), worker(1)]);
}
