/**
 * The Raft core of a member as its data dir left it: the hard state, the log after the
 * snapshot, a repair in progress, or, for a member without Raft state, the founding members.
 */
import { RawNode } from '../raft/index.js';
import type { FleetNodeOptions } from './node-types.js';
import { holdsNoPromise } from './storage-port.js';
import { systemRuntime } from './runtime.js';

/** Ticks per heartbeat: finer ticks let a follower fail over within a fraction of a heartbeat. */
export const TICKS_PER_HEARTBEAT = 10;

/**
 * The Raft core of a member recovered from its data dir (or bootstrapped). A member with no
 * Raft state bootstraps from `founders` only while the cluster is being founded: in an
 * existing cluster it may be one that lost its data dir, which as a founding voter with term 0
 * could vote twice in a term or help elect a leader without entries it had acknowledged.
 */
export function recoverRaft(opts: FleetNodeOptions): RawNode {
  const recovered = opts.storage.recovered;
  // A member repairing a damaged log may have kept nothing, yet it is not new: the repair rules it.
  const foundsFromNothing = holdsNoPromise(recovered) && !recovered.repair && opts.founders.size > 0;
  if (foundsFromNothing && opts.initialClusterState === 'existing') {
    const err = new Error(
      `member ${opts.id} has no Raft state, and the cluster is not being founded (--initial-cluster-state existing, the default unless --data-dir is an empty directory or one a founding start left before its state was on disk): ` +
        `a member that lost its data may have voted or acknowledged entries it no longer remembers, so it must not rejoin as a founding voter. ` +
        `Re-seed it from the others: fleet members remove ${opts.id}; fleet members add ${opts.id} ${opts.address} --learner; start it with --join on an empty data dir; fleet members promote ${opts.id} once it has caught up. ` +
        `To found a new cluster instead, pass --initial-cluster-state new`,
    );
    err.name = 'MemberStateLostError';
    throw err;
  }
  const electionTicks = Math.max(TICKS_PER_HEARTBEAT + 1, Math.round((opts.electionTimeoutMs / opts.heartbeatMs) * TICKS_PER_HEARTBEAT));
  const rt = opts.runtime ?? systemRuntime;
  const logger = opts.logger;
  return new RawNode(
    {
      id: opts.id,
      heartbeatTicks: TICKS_PER_HEARTBEAT,
      electionTicks,
      random: (n) => rt.randomInt(n),
      logger: { debug: (msg, fields) => logger.debug(fields ?? {}, msg), info: (msg, fields) => logger.info(fields ?? {}, msg), warn: (msg, fields) => logger.warn(fields ?? {}, msg) },
      ...(opts.placement?.readReplica ? { nonVoting: true } : {}),
      ...(opts.unsafe?.raft ? { unsafe: opts.unsafe.raft } : {}),
    },
    {
      // A term without a vote, log or snapshot (a founding start killed between writing its hard
      // state and its first entries) is no state: without it the member bootstraps, instead of
      // waiting for ever in a term with no members.
      hardState: foundsFromNothing ? undefined : recovered.hardState,
      entries: recovered.entries,
      ...(recovered.snapshot ? { snapshot: recovered.snapshot.meta, applied: recovered.snapshot.meta.index } : {}),
      bootstrap: { voters: [...opts.founders.keys()].sort(), learners: [] },
      ...(recovered.repair ? { repairing: true } : {}),
      ...(recovered.repair?.hardStateLost === true ? { voteLost: true } : {}),
    },
  );
}
