/** What the FleetNode tests share: a storage port with a slow disk, a founding entry, a wait. */
import type { NodeStorage, RecoveredState } from '../../../src/core/node/storage-port.js';
import { encodeConfChange } from '../../../src/core/raft/conf-change.js';
import type { Entry } from '../../../src/core/raft/types.js';

export const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** The entry that makes n1 the single voter of a new cluster (index 1, term 1). */
export const FOUNDING: Entry = { term: 1, index: 1, type: 'conf-change', data: encodeConfChange({ type: 'add-voter', node: 'n1' }) };

/** A storage that recovers `recovered` and makes each write durable as `persist` says; nothing else is used. */
export function fakeDisk(recovered: RecoveredState, persist: NodeStorage['persist']): NodeStorage {
  return {
    recovered,
    persist,
    installSnapshot: () => Promise.resolve(),
    beginSnapshot: () => {
      throw new Error('unused');
    },
    latestSnapshot: () => Promise.resolve(undefined),
    readLatestSnapshot: () => Promise.resolve(undefined),
    saveMembers: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** A storage that recovers `recovered` and takes `diskMs` for every write; `onPersist` sees each batch's entries. */
export function slowDisk(recovered: RecoveredState, diskMs: number, onPersist: (entries: readonly Entry[]) => void = () => undefined): NodeStorage {
  return fakeDisk(recovered, (batch) => {
    onPersist(batch.entries);
    return new Promise((resolve) => setTimeout(resolve, diskMs));
  });
}

/** Waits, turn by turn, until `cond` holds; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
