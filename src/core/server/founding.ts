/**
 * A member founding a cluster on an empty data dir creates files there (raft/, raft.held, the
 * cluster id) before its first Raft state is durable. Stopped in between (a SIGTERM or SIGKILL
 * right after its start line), it left a data dir that is no longer empty and holds no state, and
 * the same command line then took it for a member that lost its state and refused to start.
 *
 * So a founding start marks the data dir before it writes anything else, and the mark is removed
 * once the member holds Raft state on disk. A member without state that finds the mark never
 * promised anything (Raft persists before it votes or acknowledges), so it may still found,
 * whatever --initial-cluster-state says on the next start (member/assemble.ts).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileDurablySync } from '../storage/index.js';

const FOUNDING_FILE = 'raft.founding';

/**
 * What `--initial-cluster-state` means when it is not given: `new` for a data dir that is empty
 * (as fleet init creates it; a `logs` directory alone is a start that failed before it wrote
 * anything) or one a founding start left before its first state was durable; else `existing`.
 * A data dir that does not exist may be one that was wiped: `existing`.
 */
export function defaultInitialClusterState(dataDir: string): 'new' | 'existing' {
  try {
    const names = readdirSync(dataDir);
    return names.includes(FOUNDING_FILE) || names.every((name) => name === 'logs') ? 'new' : 'existing';
  } catch {
    return 'existing';
  }
}

/** Whether a founding start marked `dataDir` and its member holds no Raft state on disk yet. */
export function isBeingFounded(dataDir: string): boolean {
  return existsSync(join(dataDir, FOUNDING_FILE));
}

/** Marks `dataDir` as being founded, durably: called before the member writes anything there. */
export function markFounding(dataDir: string): void {
  writePrivateFileDurablySync(join(dataDir, FOUNDING_FILE), `${JSON.stringify({ since: new Date().toISOString(), meaning: 'a member is founding a cluster here and holds no Raft state yet; removed once it does' })}\n`);
}

/** The member holds Raft state on disk: the data dir is no longer one being founded. */
export function foundingDone(dataDir: string): void {
  rmSync(join(dataDir, FOUNDING_FILE), { force: true });
}
