/**
 * Invariants as code, for every part of the core (raft, storage, node, fleet, etcd-store,
 * server): where a comment promises a state is never reached, `checkInvariant` says so at the
 * point of change, as TigerBeetle's asserts do. A broken invariant is a bug, in the core or in
 * its host's use of it, never a user's mistake: the error names the invariant and the values
 * that broke it, so that a simulator seed that trips it says which promise broke.
 *
 * A leaf: it imports nothing, so that any module of the core may import it (raft included).
 */

/** A state the core's own comments promise never to reach. `invariant` is its kebab-case name. */
export class InvariantError extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`invariant ${invariant} broken: ${detail}`);
    this.name = 'InvariantError';
  }
}

/**
 * Throws InvariantError naming `invariant` unless `holds`. `detail` is called only then, so that
 * a passing check costs one comparison and allocates nothing (pass a closure, not a string).
 */
export function checkInvariant(holds: boolean, invariant: string, detail: () => string): asserts holds {
  if (!holds) throw new InvariantError(invariant, detail());
}
