/** Coordination recipes on fleet's leases: sessions, mutexes and elections (docs/library.md, "Recipes"). */
export { Session, MIN_SESSION_TTL_MS, type SessionOptions, type SessionEnd } from './session.js';
export { Mutex, type LockOptions } from './mutex.js';
export { Election, ELECTION_NS, type Leader } from './election.js';
