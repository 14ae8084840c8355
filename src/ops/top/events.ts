/**
 * The timeline: what changed between two successive polls, as events an operator reads during
 * an incident (elections with old → new leader and term, members lost and back, snapshots,
 * membership changes). Pure: the same two observations always give the same events.
 */
import type { MemberStatus } from '../../client/index.js';
import { formatDuration } from '../../common/durations.js';
import type { StatusMember, StatusModel } from '../status.js';
import { memberKey } from './derive.js';
import type { TopEvent } from './model.js';

/** One poll as the event detector sees it. */
export interface Observation {
  readonly at: number;
  readonly model: StatusModel;
  /** What each answering member said about itself, by id. */
  readonly byId: ReadonlyMap<string, MemberStatus>;
}

/** What the detector remembers beyond the previous poll. */
export interface EventContext {
  /** The last leader seen, even across polls without one: the "old" of old → new. */
  readonly lastLeader: { readonly id: string; readonly term: number } | null;
  /** The member this session asked to take over, while that transfer is awaited. */
  readonly transferTo: string | null;
  /** When each member still unreachable in `prev` went down (by member key). */
  readonly downSince: ReadonlyMap<string, number>;
}

/** An event before the view model numbers it. */
export type NewEvent = Omit<TopEvent, 'seq'>;

/** The events between `prev` and `next`; the first poll of a session yields one `watch` event. */
export function eventsBetween(prev: Observation | undefined, next: Observation, ctx: EventContext): NewEvent[] {
  if (prev === undefined) return [watchEvent(next)];
  return [...leaderEvents(prev, next, ctx), ...memberEvents(prev, next, ctx), ...membershipEvents(prev, next)];
}

function watchEvent(o: Observation): NewEvent {
  const ids = o.model.members.map((m) => m.id ?? m.address).join(' ');
  const who = o.model.leader === null ? `no leader (term ${o.model.term})` : `leader ${o.model.leader} · term ${o.model.term}`;
  return { at: o.at, kind: 'watch', text: `watching ${ids}: ${who}` };
}

function leaderEvents(prev: Observation, next: Observation, ctx: EventContext): NewEvent[] {
  const was = prev.model.leader;
  const now = next.model.leader;
  const term = next.model.term;
  if (was !== null && now === null) {
    const gone = next.model.members.find((m) => m.id === was)?.role === 'unreachable' ? ' (unreachable)' : '';
    return [{ at: next.at, kind: 'leader-lost', text: `leader ${was} lost${gone} · term ${prev.model.term}` }];
  }
  if (now !== null && (now !== was || term > prev.model.term)) return [newLeaderEvent(prev, next, ctx)];
  if (now === null && term > prev.model.term) return [{ at: next.at, kind: 'election', text: `election in progress · term ${term} · no leader yet` }];
  return [];
}

/**
 * A new leader: a transfer when this session asked for it, or when the old leader handed over
 * without a poll in between seeing no leader and now follows the new one; else an election.
 */
function newLeaderEvent(prev: Observation, next: Observation, ctx: EventContext): NewEvent {
  const now = next.model.leader!;
  const from = ctx.lastLeader?.id ?? null;
  // Nobody answered before: this is the first sight of the leader, not an election seen happening.
  const sawNothing = prev.model.members.every((m) => m.role === 'unreachable');
  if (from === null && sawNothing) return { at: next.at, kind: 'watch', text: `leader ${now} · term ${next.model.term}` };
  const oldStatus = from === null ? undefined : next.byId.get(from);
  const handedOver = prev.model.leader !== null && from !== now && oldStatus !== undefined && oldStatus.role !== 'leader' && oldStatus.leaderId === now;
  const kind = ctx.transferTo === now || handedOver ? 'transfer' : 'election';
  const change = from === null ? `${now} elected` : `${from} → ${now}`;
  return { at: next.at, kind, text: `${kind} ${change} · term ${next.model.term}` };
}

function memberEvents(prev: Observation, next: Observation, ctx: EventContext): NewEvent[] {
  const before = new Map(prev.model.members.map((m) => [memberKey(m), m]));
  const events: NewEvent[] = [];
  for (const m of next.model.members) {
    const old = before.get(memberKey(m));
    if (old === undefined) continue;
    const name = m.id ?? m.address;
    const wasUp = old.role !== 'unreachable';
    const isUp = m.role !== 'unreachable';
    if (wasUp && !isUp) events.push({ at: next.at, kind: 'member-lost', text: `${name} lost: ${reasonOf(m)}` });
    else if (!wasUp && isUp) events.push({ at: next.at, kind: 'member-back', text: `${name} back${downFor(ctx.downSince.get(memberKey(m)), next.at)}` });
    else if (isUp && m.id !== null) events.push(...processEvents(name, prev.byId.get(m.id), next.byId.get(m.id), next.at));
  }
  return events;
}

function reasonOf(m: StatusMember): string {
  return (m.problem ?? 'unreachable').replace(/^unreachable: /, '');
}

function downFor(since: number | undefined, now: number): string {
  return since === undefined ? '' : ` after ${formatDuration(now - since)} down`;
}

/** Restarts and snapshots of one member that answered both times. */
function processEvents(name: string, before: MemberStatus | undefined, after: MemberStatus | undefined, at: number): NewEvent[] {
  if (before === undefined || after === undefined) return [];
  // Uptime going back means a new process: its counters started over, so compare nothing else.
  if (after.uptimeMs < before.uptimeMs) return [{ at, kind: 'member-restarted', text: `${name} restarted` }];
  if (after.snapshotIndex <= before.snapshotIndex) return [];
  if (after.snapshotsTaken > before.snapshotsTaken) return [{ at, kind: 'snapshot-taken', text: `${name} took a snapshot at index ${after.snapshotIndex}` }];
  return [{ at, kind: 'snapshot-installed', text: `${name} installed a snapshot at index ${after.snapshotIndex} from the leader` }];
}

/** Members joining or leaving the membership, and learners promoted (as the reference member sees it). */
function membershipEvents(prev: Observation, next: Observation): NewEvent[] {
  const voterOf = (model: StatusModel) => new Map(model.members.filter((m) => m.id !== null && m.voter !== null).map((m) => [m.id!, m.voter!]));
  const before = voterOf(prev.model);
  const after = voterOf(next.model);
  // A poll where nobody answered knows no membership; that is not everyone leaving.
  if (before.size === 0 || after.size === 0) return [];
  const events: NewEvent[] = [];
  for (const [id, voter] of after) {
    const old = before.get(id);
    if (old === undefined) events.push({ at: next.at, kind: 'membership', text: `${id} joined as a ${voter ? 'voter' : 'learner'}` });
    else if (!old && voter) events.push({ at: next.at, kind: 'membership', text: `${id} promoted to voter` });
  }
  for (const id of before.keys()) if (!after.has(id)) events.push({ at: next.at, kind: 'membership', text: `${id} left the membership` });
  return events;
}
