import type { ConfChange, ConfState } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a membership change as the data of a `conf-change` entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const wire = { type: cc.type, node: cc.node, context: cc.context ? Array.from(cc.context) : undefined };
  return encoder.encode(JSON.stringify(wire));
}

/** Decodes the data of a `conf-change` entry. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const wire = JSON.parse(decoder.decode(data)) as { type: ConfChange['type']; node: string; context?: number[] };
  return wire.context ? { type: wire.type, node: wire.node, context: Uint8Array.from(wire.context) } : { type: wire.type, node: wire.node };
}

/**
 * Applies one single-server change to a membership. Returns undefined when the change is not
 * allowed: removing a non-member, adding an existing voter, demoting a voter to learner.
 */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState | undefined {
  const isVoter = conf.voters.includes(cc.node);
  const isLearner = conf.learners.includes(cc.node);
  switch (cc.type) {
    case 'add-voter':
      if (isVoter) return undefined;
      return { voters: [...conf.voters, cc.node].sort(), learners: conf.learners.filter((n) => n !== cc.node) };
    case 'add-learner':
      if (isVoter || isLearner) return undefined;
      return { voters: conf.voters, learners: [...conf.learners, cc.node].sort() };
    case 'remove':
      if (!isVoter && !isLearner) return undefined;
      return { voters: conf.voters.filter((n) => n !== cc.node), learners: conf.learners.filter((n) => n !== cc.node) };
  }
}
