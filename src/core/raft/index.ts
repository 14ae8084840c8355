/** The Raft core's public surface: the host-facing RawNode, its vocabulary and helpers. */
export { RawNode } from './raw-node.js';
export { applyConfChange, decodeConfChange, encodeConfChange } from './conf-change.js';
export { InvalidInitialStateError, describeRaftError } from './errors.js';
export type { ProposeResult, RaftErrorCode } from './errors.js';
export { committedIndex, quorumSize } from './quorum.js';
export type * from './types.js';
