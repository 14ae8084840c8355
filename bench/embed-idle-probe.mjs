// Ad-hoc: the RSS of a host process over time as its embedded members idle (issue 35), to tell
// the start-up transient from the idle state. After GC at each of the given seconds.
//   node --expose-gc bench/embed-idle-probe.mjs bare|idle|idle3 PORT SECONDS...
//   bare: a host that embeds nothing; idle: one member (solo); idle3: a three-member cluster in
//   one host (ports PORT..PORT+2). NOETCD=1 starts the members with etcdApi: false.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, port, ...marks] = process.argv.slice(2);

class Counter {
  total = 0;
  apply() {
    return ++this.total;
  }
  snapshot() {
    return Buffer.from(String(this.total));
  }
  restore(image) {
    this.total = image.length === 0 ? 0 : Number(Buffer.from(image).toString());
  }
}

const dir = mkdtempSync(join(tmpdir(), 'fleet-embed-idle-'));
const members = [];
if (mode === 'idle' || mode === 'idle3') {
  const { startMember } = await import('fleet/embed');
  const ids = mode === 'idle' ? ['a'] : ['a', 'b', 'c'];
  const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${Number(port) + i}`]));
  for (const id of ids) {
    members.push(await startMember({ id, dataDir: join(dir, id), listen: peers[id], peers, stateMachine: new Counter(), ...(process.env.NOETCD ? { etcdApi: false } : {}) }));
  }
}
let at = 0;
const out = [];
for (const s of marks.map(Number)) {
  await sleep((s - at) * 1000);
  at = s;
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  out.push(`${s}s rss=${(m.rss / 1048576).toFixed(1)} heapTotal=${(m.heapTotal / 1048576).toFixed(1)}`);
}
for (const m of members) await m.stop();
rmSync(dir, { recursive: true, force: true });
console.log(mode, out.join(' '));
