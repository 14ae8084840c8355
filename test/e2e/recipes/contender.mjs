// One contender for a Mutex or an Election, in a process of its own, as an application writes
// it: 'fleet' by the package's name. For each turn it waits for the lock (or the leadership),
// prints one JSON line {who, turn, token, start, end} — its critical section, timed on the wall
// clock shared by every process of the machine — and releases (or resigns). Then it closes its
// session and client and ends on its own.
//   node contender.mjs mutex|election NAME WHO TURNS HOLD_MS TTL_MS   (FLEET_ENDPOINTS names the cluster)
// Two more modes, for what a process that stops without closing leaves behind:
//   member GROUP WHO 0 0 TTL_MS     joins GROUP, prints {joined}, and waits to be killed
//   fenced NAME WHO 0 HOLD_MS TTL_MS  takes the lock, prints {locked}, then every HOLD_MS writes
//                                     `NAME-state` = `WHO:i` guarded by isOwner(), printing each answer
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, Election, Membership, Mutex, Session } from 'fleet';

const [mode, name, who, turns, holdMs, ttlMs] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
// No start-up check: on a loaded machine its one round may time out; the first call retries instead.
const client = await connect({ overallTimeoutMs: 20_000, verify: false });
const session = new Session(client, { ttlMs: Number(ttlMs) });
try {
  if (mode === 'member') {
    await new Membership(session, name).join({ who });
    say({ joined: who, session: session.id });
    await new Promise(() => undefined); // until killed
  } else if (mode === 'fenced') {
    const mutex = new Mutex(session, name);
    const token = await mutex.lock({ timeoutMs: 90_000 });
    say({ locked: who, token });
    for (let i = 0; ; i++) {
      await sleep(Number(holdMs));
      const r = await client.keyspace.txn({ compare: [mutex.isOwner()], success: [{ put: `${name}-state`, value: `${who}:${i}` }] });
      say({ write: i, succeeded: r.succeeded, expired: session.expired, at: now() });
      if (!r.succeeded) break;
    }
  } else {
    const election = new Election(session, name);
    // A leadership lost inside a section would let the next candidate in early: say so in the output.
    election.on('lost', (lost) => say({ lost: Number(who), ...lost, at: now() }));
    const mutex = new Mutex(session, name);
    for (let turn = 0; turn < Number(turns); turn++) {
      const token = mode === 'mutex' ? await mutex.lock({ timeoutMs: 90_000 }) : await election.campaign(`contender-${who}`, { timeoutMs: 90_000 });
      const start = now();
      await sleep(Number(holdMs)); // the critical section's work
      const end = now();
      say({ who: Number(who), turn, token, start, end });
      if (mode === 'mutex') await mutex.unlock();
      else await election.resign();
    }
  }
} catch (err) {
  process.stderr.write(`contender ${who}: ${err.message} (code ${err.code ?? err.kind})\n`);
  process.exitCode = 1;
} finally {
  await session.close();
  client.close();
}
