/**
 * A member's replicated state as sections: each replicated state machine (the registry, the etcd
 * keyspace, an application's) implements `ReplicatedSection` and is registered under its tag
 * (app-format.ts SECTION_TAGS). One log carries all their entries, each owned by one section; one
 * applied index, kept by the set, covers them all; one image holds each section's image under its
 * tag, in registration order, as of that index (a sectioned image, version 3). A new replicated
 * thing is one more registration: its tag, which entries it owns, its apply, image and restore.
 */
import { readSections, sectionedHeaderBytes, sectionedImageHeader, type SectionEntry } from '../../app-format.js';
import type { Entry } from '../../raft/index.js';
import type { EntryInSteps, EntryOutcome, ImageWrite, MachineImage } from '../node-types.js';

/** One section's image being written, in steps, from a view of its state as of when it began. */
export interface SectionImage {
  steps(write: ImageWrite): Generator<void, void, undefined>;
  /** Its whole length, known once its steps have run. */
  readonly length: number;
}

/** One replicated state machine of a member. */
export interface ReplicatedSection {
  /** Its tag in a sectioned image: fixed for ever once an image carries it. */
  readonly tag: number;
  /** Whether a committed entry is one of its commands: no two sections own one entry. The first section registered takes what no other owns. */
  owns(data: Uint8Array): boolean;
  /** Applies one of its entries, or begins to (see ReplicatedMachine.apply). */
  apply(e: Entry): EntryOutcome | EntryInSteps;
  /** Its image as of now; undefined when it holds nothing (it then takes no place in the image). */
  beginImage(): SectionImage | undefined;
  /** Replaces its state with an image of it; undefined: its initial state. */
  restore(image: Uint8Array | undefined): void;
}

/** The section that owns `data`: the first whose `owns` says so, else the first registered (the default). */
export function sectionOf(sections: readonly ReplicatedSection[], data: Uint8Array): ReplicatedSection {
  for (let i = 1; i < sections.length; i++) if (sections[i]!.owns(data)) return sections[i]!;
  return sections[0]!;
}

/** How an image lays out its header: its size, from which sections it holds; its bytes, once their lengths are known. */
export interface ImageLayout {
  headerBytes(tags: readonly number[]): number;
  header(index: number, sections: readonly SectionEntry[]): Uint8Array;
}

/** The sectioned layout (version 3): the applied index and every section's tag and length. */
export const SECTIONED_LAYOUT: ImageLayout = {
  headerBytes: (tags) => sectionedHeaderBytes(tags.length),
  header: (index, sections) => sectionedImageHeader(index, sections),
};

/** An image of `sections` as of `index`: each begun now, written one after the other in steps, after `layout`'s header. */
export function imageOf(index: number, sections: readonly ReplicatedSection[], layout: ImageLayout = SECTIONED_LAYOUT): MachineImage {
  const begun = sections.flatMap((section) => {
    const image = section.beginImage();
    return image === undefined ? [] : [{ tag: section.tag, image }];
  });
  const headerBytes = layout.headerBytes(begun.map((b) => b.tag));
  return {
    index,
    steps: function* (write) {
      let at = headerBytes;
      for (const { image } of begun) {
        const start = at;
        yield* image.steps((bytes, offset) => write(bytes, start + offset));
        at += image.length;
      }
    },
    finish: (write) => {
      const entries: SectionEntry[] = begun.map(({ tag, image }) => ({ tag, length: image.length }));
      const header = layout.header(index, entries);
      if (header.length !== headerBytes) throw new Error(`member image: a header of ${header.length} bytes where ${headerBytes} were kept`);
      if (header.length > 0) write(header, 0);
      return headerBytes + entries.reduce((sum, e) => sum + e.length, 0);
    },
  };
}

/**
 * Restores every section from a member image of any version; a section the image lacks starts
 * empty. Returns the image's applied index when it says (a sectioned image). A section this build
 * does not know was written by a newer one: restoring without it would lose its state.
 */
export function restoreSections(sections: readonly ReplicatedSection[], data: Uint8Array): number | undefined {
  const image = readSections(data);
  const known = new Set(sections.map((s) => s.tag));
  for (const tag of image.sections.keys()) {
    if (!known.has(tag)) throw new Error(`snapshot: section ${tag} is not one this build knows (it holds ${[...known].join(', ')}): written by a newer fleet?`);
  }
  for (const section of sections) section.restore(image.sections.get(section.tag));
  return image.appliedIndex;
}
