/**
 * Runs autopilot on the leader: each round it assesses health, asks `decideAutopilot` for the
 * next change and applies it through the host's ordinary membership calls (the ones `fleet
 * members promote|remove` reach). At most one change is in flight (checked in `apply`): the next
 * round that may act comes after it has settled. On a follower a round only forgets the health streaks.
 */
import { checkInvariant } from '../../invariant.js';
import { decideAutopilot, type AutopilotAction } from './decide.js';
import { assessHealth, type MemberHealth, type MemberObservation } from './health.js';
import type { AutopilotSettings } from './settings.js';

/** What the leader knows at one instant; undefined from `view()` when this member does not lead. */
export interface LeaderView {
  readonly now: number;
  readonly leader: string;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** The learners that announced themselves permanent read replicas. */
  readonly replicas: readonly string[];
  /** Each member's region as announced (absent: unset or not heard). */
  readonly regions?: Readonly<Record<string, string>>;
  readonly changePending: boolean;
  readonly observations: readonly MemberObservation[];
}

/** What the runner needs from the member it runs in. */
export interface AutopilotHost {
  view(): LeaderView | undefined;
  settings(): { readonly settings: AutopilotSettings; readonly problem?: string };
  promote(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Hands leadership to `id` (the preferred region); absent on hosts that cannot. */
  transfer?(id: string): Promise<void>;
  log(level: 'info' | 'warn', fields: object, msg: string): void;
}

/** What `fleet status` shows of autopilot: the settings in force, each member's health, and what it did last. */
export interface AutopilotReport {
  readonly settings: AutopilotSettings;
  /** Set when the stored settings could not be used (the defaults are in force). */
  readonly settingsProblem?: string;
  readonly health: readonly MemberHealth[];
  /** Changes due but held back, one sentence each. */
  readonly held: readonly string[];
  /** The last change autopilot made or tried, with its outcome. */
  readonly lastAction?: string;
}

/** One per member; `round()` is called on a timer. */
export class AutopilotRunner {
  private healthySince = new Map<string, number | null>();
  private applying = false;
  private latest: AutopilotReport | undefined;
  private lastAction: string | undefined;

  constructor(private readonly host: AutopilotHost) {}

  /**
   * Assesses, decides, and starts at most one change; with `act` false, only assesses (a new
   * leader's first round, so its status shows autopilot's view at once, before any contact
   * with its followers could justify a change).
   */
  round(act = true): void {
    const view = this.host.view();
    if (view === undefined) {
      this.healthySince = new Map();
      this.latest = undefined;
      return;
    }
    const { settings, problem } = this.host.settings();
    const health = assessHealth(view.observations, this.healthySince, settings, view.now);
    this.healthySince = new Map(health.map((h) => [h.id, h.healthySince]));
    const decision = decideAutopilot({ settings, health, voters: view.voters, learners: view.learners, replicas: view.replicas, ...(view.regions === undefined ? {} : { regions: view.regions }), leader: view.leader, changePending: view.changePending || this.applying });
    this.latest = { settings, ...(problem === undefined ? {} : { settingsProblem: problem }), health, held: decision.held };
    if (act && decision.action !== undefined) this.apply(decision.action);
  }

  /**
   * The assessment as of now, with the outcome of the last change; undefined on a member that
   * does not lead. Assessed afresh (without acting): a round's verdict is up to a round old, and
   * `fleet up` printed a restarted member "unhealthy" beside a contact 17 ms ago (issue 62).
   */
  report(): AutopilotReport | undefined {
    this.round(false);
    if (this.latest === undefined || this.lastAction === undefined) return this.latest;
    return { ...this.latest, lastAction: this.lastAction };
  }

  private change(action: AutopilotAction): Promise<void> {
    if (action.kind === 'promote') return this.host.promote(action.id);
    if (action.kind === 'remove') return this.host.remove(action.id);
    return this.host.transfer?.(action.id) ?? Promise.resolve();
  }

  private apply(action: AutopilotAction): void {
    // decideAutopilot was told a change is pending while one is: it must have decided none.
    checkInvariant(!this.applying, 'autopilot-one-change-in-flight', () => `${action.kind} ${action.id} started while the last change is in flight (${this.lastAction ?? 'none settled yet'})`);
    this.applying = true;
    const what = `${action.kind} ${action.id}`;
    this.host.log('info', { action: action.kind, member: action.id, reason: action.reason }, `autopilot: ${what}`);
    const change = this.change(action);
    change.then(
      () => (this.lastAction = `${what}: done (${action.reason})`),
      (err: unknown) => {
        this.lastAction = `${what}: failed (${err instanceof Error ? err.message : String(err)})`;
        this.host.log('warn', { action: action.kind, member: action.id, err }, `autopilot: ${what} failed`);
      },
    ).finally(() => (this.applying = false));
  }
}
