/**
 * Divergence detection for an embedded application (etcd's corruption check): at every
 * checkpoint index each member hashes its application state, and the leader proposes its hash
 * for every member to compare with its own (app-machine.ts); a member that differs says so.
 */
import type { Entry } from '../../raft/index.js';
import { encodeStateCheck, type AppReplica } from '../state/app-machine.js';
import type { FleetNode, NodeService } from '../fleet-node.js';

export class AppStateCheck implements NodeService {
  constructor(
    private readonly node: FleetNode,
    private readonly app: AppReplica,
  ) {}

  entryApplied(e: Entry): void {
    const hash = this.app.checkpoint(e.index);
    if (hash === undefined || !this.node.isLeader || this.node.stopped) return;
    this.node.proposeEntries([encodeStateCheck(e.index, hash)]);
  }
}
