/**
 * Membership changes that take more than one call: adding a voter goes through a learner (it
 * is added without a vote, catches up, and only then is promoted), so a new voter never counts
 * towards the quorum before it has the log. Whether a change is safe at all is the safety
 * gate's question (src/ops/safety/gate.ts), asked before any of this runs.
 */
import type { MembersView } from '../client/index.js';
import { waitCaughtUp, type CatchUpOptions, type LeaderSource } from './safety/catch-up.js';

/** What adding a voter needs from a client (the leader answers each). */
export interface MembershipClient extends LeaderSource {
  addMember(id: string, address: string, opts: { learner?: boolean; ifConfigIndex?: number }): Promise<MembersView>;
  promoteMember(id: string): Promise<MembersView>;
  listMembers(): Promise<MembersView>;
}

/** How adding a voter ended: promoted once caught up, or left a learner with the reason it did not catch up. */
export type AddVoterResult =
  | { readonly promoted: true; readonly view: MembersView; readonly caughtUpMs: number }
  | { readonly promoted: false; readonly view: MembersView; readonly reason: string };

/**
 * Adds `id` at `address` as a learner (unless it is one already: an earlier attempt is resumed),
 * waits until the leader sees it caught up, and promotes it. When the deadline passes first it
 * stays a learner, and the result says why (not reached, probing, installing a snapshot, behind).
 * With `ifConfigIndex` the learner is added only if the membership is still the one of that index
 * (the one the safety gate checked); the promotion follows our own change, so it is not conditional.
 */
export async function addVoterThroughLearner(client: MembershipClient, id: string, address: string, opts: Omit<CatchUpOptions, 'check'> & { readonly ifConfigIndex?: number }): Promise<AddVoterResult> {
  const current = await client.listMembers();
  const existing = current.members.find((m) => m.id === id);
  if (existing?.voter === true) return { promoted: true, view: current, caughtUpMs: 0 };
  opts.onProgress?.(existing === undefined ? `adding ${id} as a learner` : `${id} is a learner already`);
  const condition = opts.ifConfigIndex === undefined ? {} : { ifConfigIndex: opts.ifConfigIndex };
  const view = existing === undefined ? await client.addMember(id, address, { learner: true, ...condition }) : current;
  const outcome = await waitCaughtUp(client, id, opts);
  if (!outcome.caughtUp) return { promoted: false, view, reason: outcome.reason };
  opts.onProgress?.(`promoting ${id} to voter`);
  return { promoted: true, view: await promoteUnlessVoter(client, id), caughtUpMs: outcome.tookMs };
}

/** Promotes `id`; when the leader refuses because autopilot promoted it meanwhile, that is success too. */
async function promoteUnlessVoter(client: MembershipClient, id: string): Promise<MembersView> {
  try {
    return await client.promoteMember(id);
  } catch (err) {
    const view = await client.listMembers().catch(() => undefined);
    if (view?.members.some((m) => m.id === id && m.voter)) return view;
    throw err;
  }
}
