/**
 * The sections a fleet member replicates (sections.ts): the registry, an embedding application's
 * state machine, and the etcd keyspace, registered in that order under SECTION_TAGS. Each owns
 * its entries by their first bytes (app-format.ts); the registry, registered first, takes every
 * entry no other section owns (its commands are JSON).
 */
import { SECTION_TAGS, IMAGE_HEADER_BYTES, IMAGE_V2_HEADER_BYTES, imageHeader, imageHeaderV2, isAppEntry, isEtcdEntry, type SectionEntry } from '../../app-format.js';
import { EtcdReplica, type EtcdRequest } from '../../etcd-store/replica.js';
import { decodeEtcdLogEntry } from '../../etcd-store/request-codec.js';
import { FleetStateMachine } from '../../fleet/index.js';
import type { Entry } from '../../raft/index.js';
import { AppFaultError, type AppFault, type AppReplica } from './app-machine.js';
import type { EntryInSteps, EntryOutcome, NodeLogger } from '../node-types.js';
import type { ImageLayout, ReplicatedSection, SectionImage } from './sections.js';

/** The registry (src/core/fleet): replaced whole, not changed, when an image is restored. */
export class RegistrySection implements ReplicatedSection {
  readonly tag = SECTION_TAGS.registry;

  constructor(
    public machine: FleetStateMachine,
    /** Told when a restore replaced the machine. */
    private readonly replaced: (machine: FleetStateMachine) => void,
  ) {}

  owns(): boolean {
    return true;
  }

  apply(e: Entry): EntryOutcome {
    return { answer: this.machine.apply(e.index, e.data) };
  }

  beginImage(): SectionImage {
    return this.machine.beginSnapshot();
  }

  restore(image: Uint8Array | undefined): void {
    this.machine = image === undefined ? new FleetStateMachine() : FleetStateMachine.restore(image);
    this.replaced(this.machine);
  }
}

/**
 * Told before an etcd entry that may end leases (an expiry or a revoke) is applied, with the keys
 * attached to them; what it returns is called once the entry is applied (fleet's leases in the
 * keyspace: their expiry is the registry's change too, for `fleet watch leases`).
 */
export type LeasesEnding = (index: number, keys: readonly string[]) => (() => void) | undefined;

/** The etcd v3 keyspace (src/core/etcd-store): a write that changes many keys is applied in steps. */
export class EtcdSection implements ReplicatedSection {
  readonly tag = SECTION_TAGS.etcd;
  readonly replica = new EtcdReplica();

  constructor(
    /** Whether its images may be binary (every member reads data format 6), asked at each image. */
    private readonly binaryImages: () => boolean = () => false,
    private readonly leasesEnding?: LeasesEnding,
  ) {}

  owns(data: Uint8Array): boolean {
    return isEtcdEntry(data);
  }

  apply(e: Entry): EntryInSteps {
    return { steps: this.applySteps(e) };
  }

  private *applySteps(e: Entry): Generator<void, EntryOutcome, undefined> {
    const req = decodeEtcdLogEntry(e.data);
    const ended = this.leasesEnding === undefined ? undefined : this.leasesEnding(e.index, this.keysOfEnding(req.op));
    const answer = yield* this.replica.applySteps(req);
    ended?.();
    return { answer: { value: answer, index: e.index } };
  }

  /** The keys attached to the leases `op` may end. */
  private keysOfEnding(op: EtcdRequest['op']): string[] {
    const ids = op.type === 'lease-expire' ? op.ids : op.type === 'lease-revoke' ? [op.id] : [];
    return ids.flatMap((id) => this.replica.store.leaseKeys(id));
  }

  /** Nothing while the keyspace was never written: images stay as before it existed. */
  beginImage(): SectionImage | undefined {
    return this.replica.beginImage(undefined, this.binaryImages());
  }

  restore(image: Uint8Array | undefined): void {
    this.replica.restore(image);
  }
}

/**
 * An embedding application's state machine (app-machine.ts). A member started without one still
 * owns the section: it carries the image it restored into its own images unchanged, and stops
 * applying at the first application command, which it cannot apply.
 */
export class AppSection implements ReplicatedSection {
  readonly tag = SECTION_TAGS.app;
  /** The image a member without the application restored, carried as it is. */
  private carried: Uint8Array | undefined;

  constructor(
    readonly replica: AppReplica | undefined,
    private readonly logger: NodeLogger,
    private readonly onFault: ((fault: AppFault) => void) | undefined,
  ) {}

  /** Application entries but the keyspace's (which share their first byte, kinds 3 and 4). */
  owns(data: Uint8Array): boolean {
    return isAppEntry(data) && !isEtcdEntry(data);
  }

  /** A command or the leader's state check; its apply throwing, or no application here, stops this member's applying. */
  apply(e: Entry): EntryOutcome {
    const app = this.replica;
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
    if (app.fault !== faultBefore && app.fault !== undefined) {
      this.logger.error({ index: app.fault.index, code: app.fault.code }, app.fault.message);
      this.onFault?.(app.fault);
    }
    return answer === undefined ? {} : { answer: { value: answer.value, index: e.index } };
  }

  /** Taken whole now, in the turn the image begins: the application's snapshot() is synchronous. */
  beginImage(): SectionImage | undefined {
    const bytes = this.replica?.machine.snapshot() ?? this.carried;
    if (bytes === undefined) return undefined;
    return {
      length: bytes.length,
      // eslint-disable-next-line require-yield -- one step: the image is whole already
      steps: function* (write) {
        write(bytes, 0);
      },
    };
  }

  restore(image: Uint8Array | undefined): void {
    if (this.replica === undefined) this.carried = image === undefined ? undefined : Uint8Array.from(image);
    else this.replica.restore(image);
  }
}

/**
 * The layouts of images before sections (versions 1 and 2), written until every member reads
 * sectioned ones: the registry's image alone; with an application's, behind a 6-byte header; with
 * the keyspace's, behind a 10-byte header, in the order registry, application, keyspace.
 */
export const LEGACY_LAYOUT: ImageLayout = {
  headerBytes: (tags) => {
    legacyOrder(tags);
    if (tags.includes(SECTION_TAGS.etcd)) return IMAGE_V2_HEADER_BYTES;
    return tags.includes(SECTION_TAGS.app) ? IMAGE_HEADER_BYTES : 0;
  },
  header: (_index, sections: readonly SectionEntry[]) => {
    const length = (tag: number): number | undefined => sections.find((s) => s.tag === tag)?.length;
    const registry = length(SECTION_TAGS.registry) ?? 0;
    if (length(SECTION_TAGS.etcd) !== undefined) return imageHeaderV2(registry, length(SECTION_TAGS.app));
    return length(SECTION_TAGS.app) !== undefined ? imageHeader(registry) : new Uint8Array(0);
  },
};

const LEGACY_ORDER: readonly number[] = [SECTION_TAGS.registry, SECTION_TAGS.app, SECTION_TAGS.etcd];

function legacyOrder(tags: readonly number[]): void {
  const order = tags.map((t) => LEGACY_ORDER.indexOf(t));
  if (tags[0] !== SECTION_TAGS.registry || order.some((o, i) => o < 0 || (i > 0 && o <= order[i - 1]!))) {
    throw new Error(`an image of version 1 or 2 holds the registry, the application and the keyspace in that order, not sections ${tags.join(', ')}`);
  }
}
