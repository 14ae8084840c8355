// One contender for a Semaphore or a side of an RWLock, in a process of its own, as an
// application writes it ('fleet' by the package's name). For each turn it takes the lock with
// withLock, prints one JSON line {who, kind, turn, token, start, end} — its hold, timed on the
// wall clock every process of the machine shares — and releases. Then it closes its session and
// client and ends on its own.
//   node more-contender.mjs semaphore|reader|writer NAME WHO TURNS HOLD_MS PERMITS TTL_MS   (FLEET_ENDPOINTS names the cluster)
// `hold` mode takes one permit of a Semaphore, prints {held}, and waits to be killed.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RWLock, Semaphore, Session, withLock } from 'fleet';

const [kind, name, who, turns, holdMs, permits, ttlMs] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const client = await connect({ overallTimeoutMs: 20_000, verify: false });
const session = new Session(client, { ttlMs: Number(ttlMs) });
try {
  if (kind === 'hold') {
    say({ held: Number(who), token: await new Semaphore(session, name, Number(permits)).lock({ timeoutMs: 90_000 }) });
    await new Promise(() => undefined); // until killed
  }
  const lock = kind === 'semaphore' ? new Semaphore(session, name, Number(permits)) : new RWLock(session, name)[kind === 'reader' ? 'reader' : 'writer'];
  for (let turn = 0; turn < Number(turns); turn++) {
    await withLock(lock, async (token) => {
      const start = now();
      await sleep(Number(holdMs));
      say({ who: Number(who), kind, turn, token, start, end: now() });
    }, { timeoutMs: 90_000 });
  }
} catch (err) {
  process.stderr.write(`contender ${who}: ${err.message} (code ${err.code ?? err.kind})\n`);
  process.exitCode = 1;
} finally {
  await session.close();
  client.close();
}
