// Ad-hoc: the floor under a write at 1 in flight on this machine. A bare TCP echo between two
// Node processes on loopback (300-byte messages, Nagle off, one at a time): round-trip p50/p99
// and the client's CPU per round trip. Every hop of a replicated write costs at least this.
// Run: node --import tsx bench/echo-probe.ts [round-trips]
import { fork } from 'node:child_process';
import net from 'node:net';

if (process.argv[2] === 'server') {
  const server = net.createServer((c) => {
    c.setNoDelay(true);
    c.on('data', (d) => c.write(d));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
} else {
  const n = Number(process.argv[2] ?? 3_000);
  const child = fork(new URL(import.meta.url).pathname, ['server']);
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((resolve) => sock.once('connect', resolve));
    const message = 'x'.repeat(300);
    const lat: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await new Promise((resolve) => {
        sock.once('data', resolve);
        sock.write(message);
      });
      lat.push(performance.now() - t);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    lat.sort((a, b) => a - b);
    console.log({
      roundTrips: n,
      p50Ms: Number(lat[Math.floor(n / 2)]!.toFixed(3)),
      p99Ms: Number(lat[Math.floor(n * 0.99)]!.toFixed(3)),
      clientCpuUsPerRoundTrip: Math.round((cpu.user + cpu.system) / n),
      perSecond: Math.round((n / wall) * 1000),
    });
    sock.destroy();
  } finally {
    child.kill();
  }
}
