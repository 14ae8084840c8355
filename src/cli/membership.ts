/** Shared by the `fleet members` commands: the result shape and the patience of a change. */
import type { MembersView } from '../client/index.js';
import { naturalCompare } from '../ops/natural-order.js';
import type { StatusModel } from '../ops/status.js';

/**
 * How long a membership change may take: the leader waits up to five election timeouts for it
 * to commit, so the client must wait longer than --timeout's default.
 */
export const MEMBERSHIP_TIMEOUT_MS = 15_000;

/**
 * The condition a membership change carries: the configuration the safety gate previewed (its
 * index), so that the leader refuses the change if the membership moved in between (exit 4).
 */
export function conditionalOn(model: StatusModel): { ifConfigIndex?: number } {
  return model.configIndex === undefined || model.configIndex === null ? {} : { ifConfigIndex: model.configIndex };
}

/** What `fleet members add|promote|remove --json` print. */
export interface MembershipResult {
  readonly changed: string;
  readonly leader: string | null;
  readonly members: ReadonlyArray<{ readonly id: string; readonly address: string; readonly voter: boolean }>;
}

/** The membership after a change, sorted by id. */
export function renderMembership(view: MembersView): Omit<MembershipResult, 'changed'> {
  const members = [...view.members].sort((a, b) => naturalCompare(a.id, b.id)).map((m) => ({ id: m.id, address: m.address, voter: m.voter }));
  return { leader: view.leaderId === '' ? null : view.leaderId, members };
}
