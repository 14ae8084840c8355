/**
 * What a fleet member replicates, as one ReplicatedMachine for FleetNode: the registry, the etcd
 * keyspace beside it, and an embedding application's own state machine if there is one. One log,
 * three appliers told apart by each entry's first byte (app-format.ts), one applied index, one
 * snapshot image holding all three as of it (`imageHeader`, `imageHeaderV2`).
 */
import { ChangeFeed, FleetStateMachine } from '../fleet/index.js';
import type { Entry } from '../raft/index.js';
import { IMAGE_V2_HEADER_BYTES, imageHeaderV2, isEtcdEntry } from '../app-format.js';
import { EtcdReplica } from '../etcd-store/replica.js';
import { decodeEtcdLogEntry } from '../etcd-store/request-codec.js';
import { AppFaultError, AppReplica, IMAGE_HEADER_BYTES, imageHeader, isAppEntry, splitImage, type AppFault, type StateMachine } from './app-machine.js';
import type { EntryInSteps, EntryOutcome, MachineImage, NodeLogger, ReplicatedMachine } from './node-types.js';
import type { NodeRuntime } from './runtime.js';
import type { RecoveredState } from './storage-port.js';

export interface MemberStateOptions {
  readonly rt: NodeRuntime;
  readonly logger: NodeLogger;
  /** An application's own state machine, replicated in the same log as the registry. */
  readonly app?: StateMachine | undefined;
  /** Compare the application's state hash with the leader's every this many applied entries (default 1,000; 0: never). */
  readonly appCheckEvery?: number | undefined;
  /** Told when the application's state diverges from the leader's or its apply throws. */
  readonly onAppFault?: ((fault: AppFault) => void) | undefined;
}

export class MemberState implements ReplicatedMachine {
  /** The changes this member applied recently, for watchers (see change-feed.ts); restarts with the state. */
  readonly changes = new ChangeFeed();
  readonly app: AppReplica | undefined;
  /** The etcd v3 keyspace every member replicates beside the registry (etcd-store/replica.ts). */
  readonly etcd = new EtcdReplica();
  /** Told after each etcd entry applied and after a snapshot installed (the etcd Watch service). */
  private readonly etcdListeners = new Set<() => void>();
  private registry: FleetStateMachine;
  private replaced = 0;
  /** The registry age this member last adopted and its monotonic time then: `ageNow()` counts on from it. */
  private ageMark: { age: number; mono: number };

  private constructor(
    private readonly opts: MemberStateOptions,
    registry: FleetStateMachine,
  ) {
    this.app = opts.app === undefined ? undefined : new AppReplica(opts.app, opts.appCheckEvery ?? 1_000);
    this.registry = registry;
    this.ageMark = { age: registry.age, mono: opts.rt.monoNow() };
    this.adopt(registry);
  }

  /** The state as of the recovered snapshot (or empty). */
  static async recover(recovered: RecoveredState, opts: MemberStateOptions): Promise<MemberState> {
    if (!recovered.snapshot) return new MemberState(opts, new FleetStateMachine());
    const image = splitImage(await recovered.snapshot.data());
    const state = new MemberState(opts, FleetStateMachine.restore(image.registry));
    state.app?.restore(image.app);
    state.etcd.restore(image.etcd);
    return state;
  }

  /** The registry as applied now (replaced, not changed, when a snapshot is installed). */
  get sm(): FleetStateMachine {
    return this.registry;
  }

  get appliedIndex(): number {
    return this.registry.appliedIndex;
  }

  get generation(): number {
    return this.replaced;
  }

  apply(e: Entry): EntryOutcome | EntryInSteps {
    if (isEtcdEntry(e.data)) return { steps: this.applyEtcdEntry(e) };
    if (isAppEntry(e.data)) return this.applyAppEntry(e);
    return { answer: this.registry.apply(e.index, e.data) };
  }

  /** A keyspace write, in steps when it changes many keys (EtcdReplica.applySteps). */
  private *applyEtcdEntry(e: Entry): Generator<void, EntryOutcome, undefined> {
    const answer = yield* this.etcd.applySteps(decodeEtcdLogEntry(e.data));
    this.registry.markApplied(e.index);
    for (const listener of this.etcdListeners) listener();
    return { answer: { value: answer, index: e.index } };
  }

  skip(index: number): void {
    this.registry.markApplied(index);
  }

  batchApplied(): void {
    // Adopts the applied age when it is ahead of our own count (a leader's clock).
    if (this.registry.age > this.ageNow()) this.ageMark = { age: this.registry.age, mono: this.opts.rt.monoNow() };
  }

  restore(data: Uint8Array): void {
    const image = splitImage(data);
    this.registry = FleetStateMachine.restore(image.registry);
    this.replaced++;
    this.app?.restore(image.app);
    this.etcd.restore(image.etcd);
    for (const listener of this.etcdListeners) listener();
    this.adopt(this.registry);
    this.batchApplied();
  }

  /**
   * The image of all three as of the applied index. The application's is taken now, in the same
   * turn as the registry's and the etcd keyspace's begin; those two are written in steps, from
   * views of their state as of now (the keyspace's after the registry's, behind the application's).
   */
  beginImage(): MachineImage {
    const job = this.registry.beginSnapshot();
    const appImage = this.app?.machine.snapshot();
    // An etcd keyspace that was never written adds nothing: the image stays as before it existed.
    const etcdJob = this.etcd.beginImage();
    const v2 = etcdJob !== undefined;
    const shift = v2 ? IMAGE_V2_HEADER_BYTES : appImage === undefined ? 0 : IMAGE_HEADER_BYTES;
    const appLength = appImage?.length ?? 0;
    return {
      index: job.index,
      steps: function* (write) {
        yield* job.steps((bytes, offset) => write(bytes, offset + shift));
        // The registry's length is known once its steps have run: the keyspace goes after it and the application's image.
        const at = shift + job.length + appLength;
        if (etcdJob !== undefined) yield* etcdJob.steps((bytes, offset) => write(bytes, at + offset));
      },
      finish: (write) => {
        if (v2) write(imageHeaderV2(job.length, appImage?.length), 0);
        else if (appImage !== undefined) write(imageHeader(job.length), 0);
        if (appImage !== undefined) write(appImage, shift + job.length);
        return shift + job.length + appLength + (etcdJob?.length ?? 0);
      },
    };
  }

  /**
   * The registry age now, by this member: the age it last adopted plus what its monotonic clock
   * counted since. The leader stamps it into entries; replicas keep the largest stamped.
   */
  ageNow(): number {
    return Math.max(this.registry.age, Math.floor(this.ageMark.age + this.opts.rt.monoNow() - this.ageMark.mono));
  }

  /** Calls `listener` after every etcd write applied here (and a snapshot installed); returns its removal. */
  onEtcdApplied(listener: () => void): () => void {
    this.etcdListeners.add(listener);
    return () => void this.etcdListeners.delete(listener);
  }

  /** Watchers are told to resume from the next index (the member stops, or its state was replaced). */
  resetChanges(): void {
    this.changes.reset(this.registry.appliedIndex + 1);
  }

  private adopt(registry: FleetStateMachine): void {
    registry.readerAge = () => this.ageNow();
    this.changes.reset(registry.appliedIndex + 1);
    registry.changes = this.changes;
  }

  /**
   * An application entry (a command or the leader's state check). Its apply throwing, or no
   * application here, stops this member's applying (its state is past saving).
   */
  private applyAppEntry(e: Entry): EntryOutcome {
    const app = this.app;
    if (app === undefined || app.fault?.code === 'APPLY_FAILED') {
      const fault: AppFault = app?.fault ?? { code: 'APPLY_FAILED', index: e.index, message: `entry ${e.index} is an application command, but this member was started without the application's state machine: start it with the same stateMachine as the others` };
      return { stop: new AppFaultError(fault) };
    }
    const faultBefore = app.fault;
    let answer: { value: unknown } | undefined;
    try {
      answer = app.apply(e.data, { index: e.index, term: e.term });
    } catch (err) {
      return { stop: err instanceof AppFaultError ? err : new AppFaultError({ code: 'APPLY_FAILED', index: e.index, message: String(err) }) };
    }
    this.registry.markApplied(e.index);
    if (app.fault !== faultBefore && app.fault !== undefined) {
      this.opts.logger.error({ index: app.fault.index, code: app.fault.code }, app.fault.message);
      this.opts.onAppFault?.(app.fault);
    }
    return answer === undefined ? {} : { answer: { value: answer.value, index: e.index } };
  }
}
