// Three members of an embedding in one process, given the APIs named in argv (comma-separated,
// '' for none): each replicates a counter, a write is sent to a follower (which forwards it to the
// leader over fleet.v1's Submit), read back on every member, and all stop. Run under
// test/e2e/outsider/register-hooks.mjs, which logs every ES module the process loads.
import { Buffer } from 'node:buffer';
import { startMember } from 'fleet/embed';

class Counter {
  total = 0;
  apply(command) {
    this.total += Number(Buffer.from(command.payload).toString());
    return this.total;
  }
  snapshot() {
    return Buffer.from(String(this.total));
  }
  restore(image) {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

const [dir, apiList, ...ports] = process.argv.slice(2);
const apis = apiList === '' ? [] : apiList.split(',');
const ids = ports.map((_, i) => `m${i + 1}`);
const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
const members = await Promise.all(ids.map((id) => startMember({ id, dataDir: `${dir}/${id}`, listen: peers[id], peers, apis, stateMachine: new Counter(), heartbeatMs: 50, electionTimeoutMs: 300 })));
const ready = await Promise.all(members.map((m) => m.ready({ timeoutMs: 15_000 })));
const follower = members.find((m) => m.id !== ready[0].leaderId);
const { value, index } = await follower.submitWrite('add', '5');
const totals = await Promise.all(members.map((m) => m.read((c) => c.total, { consistency: { minIndex: index } }).then((r) => r.value)));
await Promise.all(members.map((m) => m.stop()));
console.log(JSON.stringify({ value, totals, forwardedBy: follower.id }));
