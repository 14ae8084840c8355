// One contender for a Mutex or an Election, in a process of its own, as an application writes
// it: 'fleet' by the package's name. For each turn it waits for the lock (or the leadership),
// prints one JSON line {who, turn, token, start, end} — its critical section, timed on the wall
// clock shared by every process of the machine — and releases (or resigns). Then it closes its
// session and client and ends on its own.
//   node contender.mjs mutex|election NAME WHO TURNS HOLD_MS TTL_MS   (FLEET_ENDPOINTS names the cluster)
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, Election, Mutex, Session } from 'fleet';

const [mode, name, who, turns, holdMs, ttlMs] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
// No start-up check: on a loaded machine its one round may time out; the first call retries instead.
const client = await connect({ overallTimeoutMs: 20_000, verify: false });
const session = new Session(client, { ttlMs: Number(ttlMs) });
try {
  const election = new Election(session, name);
  const mutex = new Mutex(session, name);
  for (let turn = 0; turn < Number(turns); turn++) {
    const token = mode === 'mutex' ? await mutex.lock({ timeoutMs: 90_000 }) : await election.campaign(`contender-${who}`, { timeoutMs: 90_000 });
    const start = now();
    await sleep(Number(holdMs)); // the critical section's work
    const end = now();
    process.stdout.write(`${JSON.stringify({ who: Number(who), turn, token, start, end })}\n`);
    if (mode === 'mutex') await mutex.unlock();
    else await election.resign();
  }
} catch (err) {
  process.stderr.write(`contender ${who}: ${err.message} (code ${err.code ?? err.kind})\n`);
  process.exitCode = 1;
} finally {
  await session.close();
  client.close();
}
