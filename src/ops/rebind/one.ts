/**
 * `fleet rebind CLUSTER --to SHARD`: one compare-and-set. Without `--from` the current shard is
 * read first and used as the expected one, so a concurrent move in between still fails the
 * compare-and-set rather than being overwritten.
 */
import type { FleetErrorDetails } from '../../client/index.js';
import { CliError, EXIT, UsageError } from '../../common/errors.js';
import type { RebindRegistry } from './types.js';

/** The outcome: where the cluster was and is, and its binding generation. */
export interface RebindOneResult {
  readonly cluster: string;
  readonly from: string | null;
  readonly to: string;
  readonly generation: number;
  /** The Raft index of the move; null when nothing changed. */
  readonly index: number | null;
  readonly changed: boolean;
}

const q = JSON.stringify;

/** Moves one cluster to `to`, if it is on `from` (default: where it is now). */
export async function rebindOne(
  registry: Pick<RebindRegistry, 'getCluster' | 'write'>,
  cluster: string,
  to: string,
  opts: { from?: string | undefined; force?: boolean } = {},
): Promise<RebindOneResult> {
  if (opts.from !== undefined && opts.from === to) throw new UsageError(`--from and --to are both ${q(to)}; nothing to move`);
  let from: string | null;
  if (opts.from === undefined) {
    const current = await registry.getCluster(cluster);
    if (current === undefined) throw new CliError(`no cluster named ${q(cluster)}`, { exitCode: EXIT.notFound, hint: 'fleet clusters list' });
    if (current.shard === to) return { cluster, from: to, to, generation: current.generation, index: null, changed: false };
    from = current.shard;
  } else {
    from = opts.from;
  }
  try {
    const r = await registry.write({ type: 'cluster.rebind', cluster, from, to, ...(opts.force === true ? { force: true } : {}) });
    return { cluster, from, to, generation: r.cluster.generation, index: r.index, changed: true };
  } catch (err) {
    return refused(err, registry, cluster, from, to);
  }
}

interface ClientRefusal {
  readonly name: 'FleetClientError';
  readonly code?: string;
  readonly message: string;
  readonly details: FleetErrorDetails;
}

function isRefusal(err: unknown): err is ClientRefusal {
  return err instanceof Error && err.name === 'FleetClientError' && typeof (err as { code?: unknown }).code === 'string';
}

async function refused(err: unknown, registry: Pick<RebindRegistry, 'getCluster'>, cluster: string, from: string | null, to: string): Promise<RebindOneResult> {
  if (!isRefusal(err)) throw err;
  if (err.code === 'CAS_FAILED' && err.details.currentShard !== undefined) {
    const actual = err.details.currentShard;
    if (actual === to) {
      const now = await registry.getCluster(cluster);
      return { cluster, from: to, to, generation: now?.generation ?? err.details.generation ?? 0, index: null, changed: false };
    }
    const where = actual === null ? 'is unbound' : `is on ${q(actual)}`;
    throw new CliError(`cluster ${q(cluster)} ${where}, not on ${from === null ? 'no shard' : q(from)}`, {
      exitCode: EXIT.precondition,
      code: 'CAS_FAILED',
      hint: actual === null ? undefined : `to move it from there: fleet rebind ${cluster} --to ${to} --from ${actual}`,
      details: { cluster, currentShard: actual, expectedShard: from, generation: err.details.generation },
      cause: err,
    });
  }
  if (err.code === 'FAILED_PRECONDITION' && err.details.shard === to) {
    throw new CliError(err.message, { exitCode: EXIT.precondition, code: 'FAILED_PRECONDITION', hint: 'pass --force to move it there anyway', details: { ...err.details }, cause: err });
  }
  throw err;
}
