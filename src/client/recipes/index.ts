/** Coordination recipes on the etcd keyspace: sessions, locks, semaphores, barriers, elections, memberships and shard leases (docs/library.md, "Recipes"). */
export { Session, MIN_SESSION_TTL_MS, type SessionOptions, type SessionEnd, type SessionEvents } from './session.js';
export { Mutex, type Lock, type LockOptions } from './mutex.js';
export { RWLock } from './rwlock.js';
export { Semaphore } from './semaphore.js';
export { withLock } from './with-lock.js';
export { Barrier } from './barrier.js';
export { DoubleBarrier } from './double-barrier.js';
export { Election, type Leader, type LeadershipLost } from './election.js';
export { Membership, type GroupMember, type MembershipChange } from './membership.js';
export { ShardLeases, type ShardLeasesOptions, type ShardLossReason } from './shard-leases.js';
export { assignShards, rendezvousOwner, rendezvousScore } from './rendezvous.js';
export { MAX_COUNT, MAX_NAME_BYTES, MAX_VALUE_BYTES } from './limits.js';
