/**
 * A read–write lock on a session, as etcd's recipes.RWMutex builds it (Curator's
 * InterProcessReadWriteLock): readers queue as keys under `NAME/read/`, writers under
 * `NAME/write/`, each tied to its session's lease and ordered by create revision. A reader holds
 * once no writer key older than its own is left, so readers share the lock; a writer holds once no
 * key at all older than its own is left, so it excludes both. Each waits for the newest older key
 * it must outlast alone, and a reader that comes after a waiting writer waits for it: first come,
 * first served, and a stream of readers never starves a writer. Tokens are create revisions, as a
 * Mutex's.
 *
 * Not covered: an RWLock is not re-entrant, so an object's writer waiting while its reader holds
 * waits for ever (release the read lock first); a holder paused past its TTL still believes it
 * holds (guard its writes with `isOwner()` in a transaction, or with its token).
 */
import { Hold, type Lock } from './hold.js';
import { checkName } from './limits.js';
import type { Session } from './session.js';

/** A read–write lock: `reader` is shared, `writer` exclusive of both, first come, first served. */
export class RWLock {
  /** The shared side: many hold it at once, never with a writer. */
  readonly reader: Lock;
  /** The exclusive side: one holder, no reader meanwhile. */
  readonly writer: Lock;

  constructor(
    /** The session whose lease its keys are tied to. */
    readonly session: Session,
    /** The lock's name: readers are the keys under `NAME/read/`, writers those under `NAME/write/`. */
    readonly name: string,
  ) {
    checkName(`rwlock ${name}`, name);
    this.reader = new Hold(session, name, { what: `read-locking ${name}`, kind: 'RWLock reader', queue: `${name}/read/`, ahead: `${name}/write/` });
    this.writer = new Hold(session, name, { what: `write-locking ${name}`, kind: 'RWLock writer', queue: `${name}/write/`, ahead: `${name}/` });
  }
}
