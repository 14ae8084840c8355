/**
 * What a fleet member replicates, as one ReplicatedMachine for FleetNode: its sections
 * (member-sections.ts) — the registry, an embedding application's state machine, and the etcd
 * keyspace — each a ReplicatedSection registered under its tag (sections.ts). One log, each
 * entry applied by the section that owns it, one applied index kept here, one image holding every
 * section as of it: sectioned (version 3) once every member reads data format 4, before that the
 * layouts of versions 1 and 2, which older members read.
 */
import { ChangeFeed, DEFAULT_FEED_LIMITS, FleetStateMachine, type ChangeEvent, type ChangeSink, type KeyspaceSpan } from '../../fleet/index.js';
import { prefixEnd } from '../../../common/etcd-keys.js';
import type { Entry } from '../../raft/index.js';
import { AppReplica, type AppFault, type StateMachine } from './app-machine.js';
import { AppSection, EtcdSection, LEGACY_LAYOUT, RegistrySection } from './member-sections.js';
import type { EntryInSteps, EntryOutcome, MachineImage, NodeLogger, ReplicatedMachine, RestoredImage } from '../node-types.js';
import type { NodeRuntime } from '../runtime.js';
import { imageOf, restoreSections, sectionOf, SECTIONED_LAYOUT, type ReplicatedSection } from './sections.js';
import type { RecoveredState } from '../storage-port.js';
import { KeyspaceKv } from './keyspace-kv.js';
import type { MvccStore, WatchEvent } from '../../etcd-store/mvcc.js';
import { KeyspaceWatchHub } from '../../etcd-store/watch-hub.js';

/** etcd's range of every key: from "\0" to the end ("\0"). */
const ALL_KEYS = new Uint8Array([0]);

export interface MemberStateOptions {
  readonly rt: NodeRuntime;
  readonly logger: NodeLogger;
  /** An application's own state machine, replicated in the same log as the registry. */
  readonly app?: StateMachine | undefined;
  /** Compare the application's state hash with the leader's every this many applied entries (default 1,000; 0: never). */
  readonly appCheckEvery?: number | undefined;
  /** Told when the application's state diverges from the leader's or its apply throws. */
  readonly onAppFault?: ((fault: AppFault) => void) | undefined;
  /** Whether images may be sectioned (every member reads data format 4; default: no, the layouts older members read). */
  readonly sectionedImages?: (() => boolean) | undefined;
  /** Whether the keyspace's images may be binary (every member reads data format 6; default: no, the JSON older members read). */
  readonly binaryKeyspaceImages?: (() => boolean) | undefined;
}

export class MemberState implements ReplicatedMachine {
  /** The changes this member applied recently, for watchers (see change-feed.ts); restarts with the state. */
  readonly changes: ChangeFeed;
  readonly app: AppReplica | undefined;
  /** Everything watching the keyspace (etcd Watch, Observe, Lock, `fleet watch`'s KV), told after each change applied here. */
  readonly keyspaceWatchers: KeyspaceWatchHub;
  private readonly registrySection: RegistrySection;
  private readonly etcdSection: EtcdSection;
  /** fleet's KV in the keyspace, for the registry (keyspace-kv.ts). */
  private readonly keyspaceKv: KeyspaceKv;
  /** The keyspace's revision when its listeners last heard of it: registry entries write fleet's KV there too. */
  private heardRevision = 0;
  /** Whether the KV lived in the keyspace before the entry being applied (`settle` records its revisions as KV changes then). */
  private kvWasInKeyspace = false;
  /** The keys attached to the leases the entry being applied may end (EtcdSection's hook): where its revisions wrote. */
  private endingKeys: readonly string[] | undefined;
  /** The keyspace revisions of the entry being recorded in the feed. */
  private settling: KeyspaceSpan | undefined;
  /**
   * The changes of the entry being applied, the registry's and the keyspace's, recorded in the feed
   * as one batch when it is settled: a watcher takes each index once, so an entry is one batch.
   */
  private entryChanges: ChangeEvent[] = [];
  private readonly collect: ChangeSink = { record: (_index, events) => void this.entryChanges.push(...events) };
  /** In registration order: the registry first (it takes what no other section owns), the order of legacy images. */
  private readonly sections: readonly ReplicatedSection[];
  private applied = 0;
  private replaced = 0;
  startedFrom: RestoredImage | undefined;
  /** The registry age this member last adopted and its monotonic time then: `ageNow()` counts on from it. */
  private ageMark: { age: number; mono: number };

  private constructor(private readonly opts: MemberStateOptions) {
    this.app = opts.app === undefined ? undefined : new AppReplica(opts.app, opts.appCheckEvery ?? 1_000);
    this.etcdSection = new EtcdSection(
      () => opts.binaryKeyspaceImages?.() === true,
      (index, keys) => {
        this.endingKeys = keys;
        return this.sm.leasesEnding(index, keys);
      },
    );
    this.keyspaceKv = new KeyspaceKv(() => this.etcdSection.replica);
    const store = (): MvccStore => this.etcd.store;
    this.keyspaceWatchers = new KeyspaceWatchHub(store, (err) => opts.logger.error({ err: String(err) }, 'a keyspace watcher failed on a change (the others were told, and the member applied on); this is a bug'));
    const hub = this.keyspaceWatchers;
    this.changes = new ChangeFeed(DEFAULT_FEED_LIMITS, {
      get compactRevision() {
        return store().compactRevision;
      },
      events: (prefix, from) => this.keyspaceEvents(prefix, from),
      watch: (prefix, listener) => {
        const key = Buffer.from(prefix);
        return hub.watch(key, prefixEnd(key), listener);
      },
    });
    this.registrySection = new RegistrySection(new FleetStateMachine(), (registry) => this.adopt(registry));
    this.sections = [this.registrySection, new AppSection(this.app, opts.logger, opts.onAppFault), this.etcdSection];
    this.ageMark = { age: 0, mono: opts.rt.monoNow() };
    this.adopt(this.registrySection.machine);
  }

  /** The state as of the recovered snapshot (or empty). */
  static async recover(recovered: RecoveredState, opts: MemberStateOptions): Promise<MemberState> {
    const state = new MemberState(opts);
    if (recovered.snapshot) {
      const data = await recovered.snapshot.data();
      const t0 = opts.rt.monoNow();
      state.restoreImage(data);
      state.startedFrom = { bytes: data.length, restoreMs: opts.rt.monoNow() - t0 };
    }
    state.heardRevision = state.etcd.store.revision;
    state.keyspaceWatchers.applied();
    state.ageMark = { age: state.sm.age, mono: opts.rt.monoNow() };
    return state;
  }

  /** The registry as applied now (replaced, not changed, when a snapshot is installed). */
  get sm(): FleetStateMachine {
    return this.registrySection.machine;
  }

  /** The etcd v3 keyspace every member replicates beside the registry (etcd-store/replica.ts). */
  get etcd(): EtcdSection['replica'] {
    return this.etcdSection.replica;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get generation(): number {
    return this.replaced;
  }

  apply(e: Entry): EntryOutcome | EntryInSteps {
    const section = sectionOf(this.sections, e.data);
    const outcome = section.apply(e);
    if ('steps' in outcome) return { steps: this.appliedAfter(e.index, section, outcome.steps) };
    this.settle(e.index, section, outcome);
    return outcome;
  }

  /** An entry's steps, then its index applied (not before: reads between steps see the state before it). */
  private *appliedAfter(index: number, section: ReplicatedSection, steps: Generator<void, EntryOutcome, undefined>): Generator<void, EntryOutcome, undefined> {
    const outcome = yield* steps;
    this.settle(index, section, outcome);
    return outcome;
  }

  /** Advances the applied index over an entry its section applied; the keyspace's listeners hear of it then. */
  private settle(index: number, section: ReplicatedSection, outcome: EntryOutcome): void {
    if (outcome.stop !== undefined) {
      this.entryChanges = [];
      return;
    }
    // The registry's image carries the applied index of layouts 1 and 2: it advances over every entry.
    if (section !== this.registrySection) this.sm.markApplied(index);
    this.applied = index;
    const revision = this.etcd.store.revision;
    // The entry that moves the KV into the keyspace changes no key's value: its revision is no change for watchers.
    const keyspace: KeyspaceSpan | undefined = revision !== this.heardRevision && this.kvWasInKeyspace ? { from: this.heardRevision + 1, to: revision } : undefined;
    this.kvWasInKeyspace = this.sm.kvInKeyspace;
    // The hub first: it tells the feed which of its watchers the span's keys concern.
    if (section === this.etcdSection || revision !== this.heardRevision) this.etcdChanged();
    this.settling = keyspace;
    this.changes.record(index, this.entryChanges, keyspace);
    this.settling = undefined;
    this.endingKeys = undefined;
    this.entryChanges = [];
  }

  /**
   * The change feed's read of the keyspace's history: the events of keys under `prefix` from
   * revision `from` on. The newest revision's come from the keys it wrote; those of the entry
   * being settled that ended leases (one revision per lease), from the keys of those leases;
   * else (a watcher catching up, the leases' move) from a look at every key of the range.
   */
  private keyspaceEvents(prefix: string, from: number): WatchEvent[] {
    const store = this.etcd.store;
    const key = prefix === '' ? ALL_KEYS : new Uint8Array(Buffer.from(prefix, 'utf8'));
    const end = prefix === '' ? ALL_KEYS : new Uint8Array(prefixEnd(Buffer.from(key)));
    if (store.revision === from) {
      const newest = store.newestRevisionEvents(key, end);
      if (newest !== undefined) return newest;
    }
    if (this.endingKeys === undefined || from !== this.settling?.from) return store.events(key, end, from);
    const inRange = this.endingKeys.filter((k) => Buffer.from(k, 'latin1').toString('utf8').startsWith(prefix));
    const events = inRange.flatMap((k) => store.events(Buffer.from(k, 'latin1'), undefined, from));
    // One revision per lease ended: in revision order, as a watcher of them all would get them.
    return events.sort((a, b) => a.kv.modRevision - b.kv.modRevision);
  }

  private etcdChanged(): void {
    this.heardRevision = this.etcd.store.revision;
    this.keyspaceWatchers.applied();
  }

  skip(index: number): void {
    this.registrySection.machine.markApplied(index);
    this.applied = index;
  }

  batchApplied(): void {
    // Adopts the applied age when it is ahead of our own count (a leader's clock).
    if (this.sm.age > this.ageNow()) this.ageMark = { age: this.sm.age, mono: this.opts.rt.monoNow() };
  }

  restore(data: Uint8Array): void {
    this.restoreImage(data);
    this.replaced++;
    this.etcdChanged();
    this.batchApplied();
  }

  private restoreImage(data: Uint8Array): void {
    const index = restoreSections(this.sections, data);
    // Images before sections say their applied index in the registry's image alone.
    this.applied = index ?? this.sm.appliedIndex;
  }

  /**
   * The image of every section as of the applied index, begun now: the registry's and the
   * keyspace's written in steps from views of their state as of now, the application's taken whole.
   */
  beginImage(): MachineImage {
    const layout = this.opts.sectionedImages?.() === true ? SECTIONED_LAYOUT : LEGACY_LAYOUT;
    return imageOf(this.applied, this.sections, layout);
  }

  /**
   * The registry age now, by this member: the age it last adopted plus what its monotonic clock
   * counted since. The leader stamps it into entries; replicas keep the largest stamped.
   */
  ageNow(): number {
    return Math.max(this.sm.age, Math.floor(this.ageMark.age + this.opts.rt.monoNow() - this.ageMark.mono));
  }

  /** Watchers are told to resume from the next index (the member stops, or its state was replaced). */
  resetChanges(): void {
    this.changes.reset(this.applied + 1);
  }

  private adopt(registry: FleetStateMachine): void {
    registry.readerAge = () => this.ageNow();
    registry.attachKeyspace(this.keyspaceKv);
    this.changes.reset(registry.appliedIndex + 1);
    registry.changes = this.collect;
    this.kvWasInKeyspace = registry.kvInKeyspace;
  }
}
