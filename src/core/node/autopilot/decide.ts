/**
 * Autopilot's decision: given the settings, every member's health and the configuration, the
 * one membership change to make now (or none), and why anything due was held back. Pure, so
 * every rule is tested alone (test/core/node/autopilot/decide.test.ts); the runner applies the
 * change through the leader's own membership path and asks again once it has committed.
 *
 * Safety rules, in the order they are checked:
 * - nothing while a configuration change is pending (one change at a time);
 * - promotions first: a stable learner adds a voter, which only raises fault tolerance; a read
 *   replica is a learner for good and is never promoted;
 * - a dead voter is removed only if at least `minQuorum` voters remain after it, and the
 *   voters left that are alive still form a majority of the smaller configuration (Consul
 *   lost quorum in hashicorp/consul#5922 by removing servers down to fewer than it needed);
 * - the leader never removes itself; a dead learner never counts towards quorum, so it may go;
 * - last, with no membership change due: a leader outside the preferred region hands leadership
 *   to a stable voter of that region that trails by nothing (a transfer keeps the quorum).
 */
import type { MemberHealth } from './health.js';
import type { AutopilotSettings } from './settings.js';

/** A change autopilot makes through the ordinary membership path. */
export type AutopilotAction = { readonly kind: 'promote' | 'remove' | 'transfer'; readonly id: string; readonly reason: string };

/** Everything a decision depends on. */
export interface AutopilotInput {
  readonly settings: AutopilotSettings;
  readonly health: readonly MemberHealth[];
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** Learners that are permanent read replicas (`--read-replica`): never promoted. */
  readonly replicas?: readonly string[];
  readonly leader: string;
  /** Each member's region as the leader knows it (absent: unknown or unset). */
  readonly regions?: Readonly<Record<string, string>>;
  /** A configuration change is proposed but not yet applied (the operator's or autopilot's own). */
  readonly changePending: boolean;
}

/** At most one action, and a sentence for each thing due but held back. */
export interface AutopilotDecision {
  readonly action: AutopilotAction | undefined;
  readonly held: readonly string[];
}

/** Decides the next change. Deterministic: members are considered in id order. */
export function decideAutopilot(input: AutopilotInput): AutopilotDecision {
  const due = decideChange(input);
  // Only a change that is due is held: a new leader's first round (its term has committed
  // nothing yet) otherwise printed "held: a configuration change is pending" on every fresh
  // cluster, with nothing pending and nothing to do (issue 62).
  if (!input.changePending || due.action === undefined) return due;
  return { action: undefined, held: [`${due.action.kind} ${due.action.id} waits for the configuration change in flight (or a new leader's first commit)`, ...due.held] };
}

function decideChange(input: AutopilotInput): AutopilotDecision {
  const health = [...input.health].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const promotion = nextPromotion(input, health);
  if (promotion !== undefined) return { action: promotion, held: [] };
  const removal = nextRemoval(input, health);
  if (removal.action !== undefined) return removal;
  const transfer = leaderHome(input, health);
  return transfer === undefined ? removal : { action: transfer.action, held: [...removal.held, ...transfer.held] };
}

/** Leadership back to the preferred region, when its leader is elsewhere and a voter there is ready to take over. */
function leaderHome(input: AutopilotInput, health: readonly MemberHealth[]): { action: AutopilotAction | undefined; held: string[] } | undefined {
  const region = input.settings.preferredRegion;
  const regions = input.regions ?? {};
  if (region === '' || regions[input.leader] === region) return undefined;
  const home = input.voters.filter((id) => id !== input.leader && regions[id] === region);
  if (home.length === 0) return { action: undefined, held: [`the leader runs outside the preferred region ${region}, and no voter runs in it`] };
  const ready = health.find((h) => home.includes(h.id) && h.stable && !h.dead && h.trailingEntries === 0);
  if (ready === undefined) return { action: undefined, held: [`the leader runs outside the preferred region ${region}; no voter there is stable and caught up yet (${home.join(', ')})`] };
  return { action: { kind: 'transfer', id: ready.id, reason: `${ready.id} runs in the preferred region ${region}, stable and caught up` }, held: [] };
}

function nextPromotion(input: AutopilotInput, health: readonly MemberHealth[]): AutopilotAction | undefined {
  if (!input.settings.autoPromoteLearners) return undefined;
  const replicas = new Set(input.replicas ?? []);
  const learners = new Set(input.learners.filter((id) => !replicas.has(id)));
  const ready = health.find((h) => learners.has(h.id) && h.stable && !h.dead);
  if (ready === undefined) return undefined;
  return { kind: 'promote', id: ready.id, reason: `learner healthy for ${input.settings.stabilizationMs} ms` };
}

function nextRemoval(input: AutopilotInput, health: readonly MemberHealth[]): AutopilotDecision {
  const dead = health.filter((h) => h.dead && h.id !== input.leader && (input.voters.includes(h.id) || input.learners.includes(h.id)));
  if (dead.length === 0) return { action: undefined, held: [] };
  if (!input.settings.cleanupDeadMembers) return { action: undefined, held: dead.map((h) => `${h.id} is dead; dead-member cleanup is off`) };
  const learner = dead.find((h) => input.learners.includes(h.id));
  if (learner !== undefined) return { action: { kind: 'remove', id: learner.id, reason: deadReason(learner, input.settings) }, held: [] };
  const held: string[] = [];
  for (const h of dead) {
    const refusal = voterRemovalRefusal(input, health, h.id);
    if (refusal === undefined) return { action: { kind: 'remove', id: h.id, reason: deadReason(h, input.settings) }, held };
    held.push(`${h.id} is dead but stays: ${refusal}`);
  }
  return { action: undefined, held };
}

/** Why removing voter `id` would be unsafe, or undefined when it is safe. */
function voterRemovalRefusal(input: AutopilotInput, health: readonly MemberHealth[], id: string): string | undefined {
  const remaining = input.voters.filter((v) => v !== id);
  if (remaining.length < input.settings.minQuorum) {
    return `removing it would leave ${remaining.length} voter${remaining.length === 1 ? '' : 's'}, below the minimum quorum of ${input.settings.minQuorum}`;
  }
  const alive = remaining.filter((v) => v === input.leader || health.some((h) => h.id === v && !h.dead)).length;
  const majority = Math.floor(remaining.length / 2) + 1;
  if (alive < majority) return `only ${alive} of the ${remaining.length} voters left would be alive, fewer than the ${majority} a quorum needs`;
  return undefined;
}

function deadReason(h: MemberHealth, s: AutopilotSettings): string {
  return `no contact for ${h.lastContactMs} ms (dead after ${s.deadAfterMs} ms)`;
}
