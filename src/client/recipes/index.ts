/** Coordination recipes on fleet's leases: sessions, mutexes, elections, memberships and shard leases (docs/library.md, "Recipes"). */
export { Session, MIN_SESSION_TTL_MS, type SessionOptions, type SessionEnd } from './session.js';
export { Mutex, type LockOptions } from './mutex.js';
export { Election, ELECTION_NS, type Leader } from './election.js';
export { Membership, MEMBERSHIP_NS, type GroupMember, type MembershipChange } from './membership.js';
export { ShardLeases, type ShardLeasesOptions, type ShardLossReason } from './shard-leases.js';
export { assignShards, rendezvousOwner, rendezvousScore } from './rendezvous.js';
