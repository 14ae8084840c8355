/**
 * Ad-hoc (not part of `npm run bench`): what beginning an image of the etcd keyspace costs with
 * N leases (MvccStore.beginImage freezes the leases as it freezes keys and revisions; before
 * 2026-11-29 it copied and sorted them at once: 38–70 ms at 100,000).
 *
 *   node --import tsx bench/lease-image-probe.ts [N=100000]
 */
import { MvccStore } from '../src/core/etcd-store/mvcc.js';

const leases = Number(process.argv[2] ?? 100_000);
const store = new MvccStore(1);
// Ids granted out of order, as clients choose them.
for (let i = 0; i < leases; i++) store.leaseGrant(((i * 7919) % leases) + 1, 60, 1_000);
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  store.beginImage();
  console.log(`beginImage with ${leases} leases: ${(performance.now() - t0).toFixed(1)} ms`);
}
