/**
 * A member's replicated state rebuilt outside a running member, for the tools that read a data
 * dir or a snapshot file (fleet recover, snapshot inspect and restore): the image restored, then
 * committed entries applied in order, then a new image. It is the member's own MemberState, so
 * the registry sees its KV wherever it lives (the keyspace, once moved) and the keyspace's entries
 * are applied as a member applies them. An embedding application's entries cannot be: the tools
 * refuse those before they get here.
 */
import type { Entry } from '../../raft/index.js';
import { systemRuntime } from '../runtime.js';
import { MemberState } from './member-state.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** The state an image holds (undefined: an empty member). */
export async function offlineState(image: Uint8Array | undefined): Promise<MemberState> {
  const recovered = image === undefined ? { entries: [], members: new Map<string, string>() } : { entries: [], members: new Map<string, string>(), snapshot: { meta: { index: 0, term: 0, conf: { voters: [], learners: [] } }, data: async () => image } };
  return MemberState.recover(recovered, { rt: systemRuntime, logger: silent, sectionedImages: () => true, binaryKeyspaceImages: () => true });
}

/** Applies one committed entry, all its steps now; a conf change only moves the applied index. */
export function applyOffline(state: MemberState, e: Entry): void {
  if (e.type !== 'normal') return state.skip(e.index);
  const outcome = state.apply(e);
  if (!('steps' in outcome)) {
    if (outcome.stop !== undefined) throw outcome.stop;
    return;
  }
  for (let r = outcome.steps.next(); ; r = outcome.steps.next()) {
    if (r.done === true) {
      if (r.value.stop !== undefined) throw r.value.stop;
      return;
    }
  }
}

/** The state's image now, whole (sectioned, the keyspace in binary: what this build's members write once they all read formats 4 and 6). */
export function offlineImage(state: MemberState): Uint8Array {
  const image = state.beginImage();
  const chunks: { bytes: Uint8Array; offset: number }[] = [];
  const write = (bytes: Uint8Array, offset: number): void => void chunks.push({ bytes: Uint8Array.from(bytes), offset });
  for (const _ of image.steps(write)) void _;
  const out = new Uint8Array(image.finish(write));
  for (const c of chunks) out.set(c.bytes, c.offset);
  return out;
}
