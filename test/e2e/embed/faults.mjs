// Three members of one cluster in one application process, as an outsider writes it (`fleet/embed`
// by the package's name), each with its own copy of a counter state machine. One scenario per run:
//   diverge  c's copy miscounts command 13: c reports the divergence at the first check after it,
//            and serves no reads of it; a and b go on
//   throw    c's apply throws on command 7: c stops (fatal + fault naming index and operation); a and b go on
//   storage  c's log files are made immutable (chattr +i): c's storage fails, the host is told and lives on
//   snapshot c is stopped while a and b apply 60 commands and compact their logs (a snapshot every
//            10 entries): restarted, c catches up from the leader's snapshot; a restarted restores its own
// Prints one JSON line with what it saw, stops what is left and ends on its own (no process.exit).
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startMember } from 'fleet/embed';

const [scenario, dir, portA, portB, portC] = process.argv.slice(2);
const ids = ['a', 'b', 'c'];
const ports = [portA, portB, portC];
const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));

class Counter {
  constructor(quirk) {
    this.total = 0;
    this.quirk = quirk;
  }
  apply(command) {
    const n = Number(Buffer.from(command.payload).toString());
    if (this.quirk === 'throw' && n === 7) throw new Error('cannot count 7');
    this.total += this.quirk === 'diverge' && n === 13 ? 2 : 1;
    return this.total;
  }
  snapshot() {
    return Buffer.from(String(this.total));
  }
  restore(image) {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

const seen = { faults: [], fatal: [] };
const members = [];
const start = async (i) => {
  const id = ids[i];
  const quirk = id === 'c' && (scenario === 'diverge' || scenario === 'throw') ? scenario : undefined;
  // No log kept behind a snapshot: c, behind, must be sent the leader's snapshot (by default it is sent the entries).
  const snapshots = scenario === 'snapshot' ? { snapshotEvery: 10, snapshotCatchupEntries: 0 } : {};
  const member = await startMember({ id, dataDir: join(dir, id), listen: peers[id], peers, stateMachine: new Counter(quirk), apis: ['fleet'], checkEvery: 10, heartbeatMs: 50, electionTimeoutMs: 300, ...snapshots });
  member.on('fault', (f) => seen.faults.push({ member: id, ...f }));
  member.on('fatal', (err) => seen.fatal.push({ member: id, code: err.code, message: err.message }));
  members[i] = member;
};
for (const i of ids.keys()) await start(i);
const [a, , c] = members;
const until = async (cond, what) => {
  const deadline = Date.now() + 15_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};
await a.ready({ timeoutMs: 15_000 });
// c must not lead: a follower compares its state with the leader's, so the odd one out is c.
if (a.status().leaderId === 'c') {
  await c.client().transferLeader('a');
  await until(() => a.status().leaderId !== '' && a.status().leaderId !== 'c', 'a leader other than c');
}
if (scenario === 'storage') execFileSync('chattr', ['-R', '+i', join(dir, 'c', 'raft')]);

if (scenario === 'snapshot') await c.stop();

const indexOf = {};
const last = scenario === 'snapshot' ? 60 : 25;
for (let n = 1; n <= last; n++) {
  const writer = n % 2 === 0 ? members[1] : members[0];
  const { index } = await writer.submitWrite('add', String(n));
  indexOf[n] = index;
}
if (scenario === 'snapshot') {
  await start(2);
  await members[0].stop();
  await start(0);
} else {
  await until(() => (scenario === 'diverge' ? seen.faults.length > 0 : seen.fatal.length > 0), 'c to report its fault');
}
const reads = {};
for (const [i, id] of ids.entries()) {
  reads[id] = await members[i].read((m) => m.total, { consistency: { minIndex: indexOf[last] } }).then(
    (r) => r.value,
    (err) => `refused: ${err.code}: ${err.message}`,
  );
}
const snapshotIndex = Object.fromEntries(ids.map((id, i) => [id, members[i].status().snapshotIndex]));
for (const m of members) await m.stop().catch(() => undefined);
const states = Object.fromEntries(ids.map((id, i) => [id, `${members[i].status().state}/${members[i].status().role}`]));
if (scenario === 'storage') execFileSync('chattr', ['-R', '-i', join(dir, 'c', 'raft')]);
console.log(JSON.stringify({ indexOf, reads, snapshotIndex, states, ...seen }));
