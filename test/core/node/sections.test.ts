/**
 * Replicated sections (src/core/node/sections.ts): entries go to the section that owns them, an
 * image holds each section under its tag as of one applied index, and restoring reads it back —
 * with a toy section, to show that a new replicated thing is one registration. Then MemberState's
 * own sections: a member without the application carries the application's image unchanged, and
 * an image with a section this build does not know is refused rather than half restored.
 */
import { describe, expect, it } from 'vitest';
import { SECTION_TAGS, encodeAppCommand, readSections, sectionedImageHeader, splitImage } from '../../../src/core/app-format.js';
import { MemberState } from '../../../src/core/node/state/member-state.js';
import type { MachineImage } from '../../../src/core/node/node-types.js';
import { imageOf, restoreSections, sectionOf, type ReplicatedSection, type SectionImage } from '../../../src/core/node/state/sections.js';
import { fakeRuntime } from './fake-runtime.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** A section whose state is the list of its entries' bytes, written one entry per step. */
function listSection(tag: number, prefix: number): ReplicatedSection & { items: string[] } {
  const section = {
    tag,
    items: [] as string[],
    owns: (data: Uint8Array) => data[0] === prefix,
    apply: (e: { index: number; data: Uint8Array }) => (section.items.push(Buffer.from(e.data.subarray(1)).toString()), { answer: e.index }),
    beginImage: (): SectionImage | undefined => {
      if (section.items.length === 0) return undefined;
      const parts = section.items.map((item) => Buffer.from(`${item}\n`));
      return {
        length: parts.reduce((n, p) => n + p.length, 0),
        steps: function* (write) {
          let at = 0;
          for (const p of parts) {
            write(p, at);
            at += p.length;
            yield;
          }
        },
      };
    },
    restore: (image: Uint8Array | undefined) => {
      section.items = image === undefined ? [] : Buffer.from(image).toString().split('\n').filter((l) => l !== '');
    },
  };
  return section;
}

/** Runs an image's steps and finish into one buffer; returns it with the number of steps taken. */
function written(image: MachineImage): { bytes: Buffer; steps: number } {
  const chunks: { bytes: Uint8Array; offset: number }[] = [];
  const write = (bytes: Uint8Array, offset: number) => void chunks.push({ bytes: Uint8Array.from(bytes), offset });
  let steps = 0;
  for (const _ of image.steps(write)) steps++;
  const length = image.finish(write);
  const out = Buffer.alloc(length);
  for (const c of chunks) out.set(c.bytes, c.offset);
  return { bytes: out, steps };
}

const entry = (index: number, prefix: number, text: string) => ({ index, term: 1, type: 'normal' as const, data: Buffer.concat([Buffer.from([prefix]), Buffer.from(text)]) });

describe('replicated sections', () => {
  it('routes each entry to the section that owns it, the first taking the rest', () => {
    const [a, b] = [listSection(1, 0x61), listSection(7, 0x62)];
    expect(sectionOf([a, b], entry(1, 0x62, 'x').data)).toBe(b);
    expect(sectionOf([a, b], entry(1, 0x61, 'x').data)).toBe(a);
    expect(sectionOf([a, b], entry(1, 0x7b, '{}').data)).toBe(a);
  });

  it('writes each section under its tag, in steps, and restores each from it', () => {
    const [a, b] = [listSection(1, 0x61), listSection(7, 0x62)];
    a.apply(entry(1, 0x61, 'one'));
    b.apply(entry(2, 0x62, 'two'));
    b.apply(entry(3, 0x62, 'three'));
    const { bytes, steps } = written(imageOf(3, [a, b]));
    expect(steps).toBe(3);
    const read = readSections(bytes);
    expect(read.appliedIndex).toBe(3);
    expect([...read.sections.keys()]).toEqual([1, 7]);

    const [a2, b2] = [listSection(1, 0x61), listSection(7, 0x62)];
    a2.apply(entry(1, 0x61, 'stale'));
    expect(restoreSections([a2, b2], bytes)).toBe(3);
    expect(a2.items).toEqual(['one']);
    expect(b2.items).toEqual(['two', 'three']);
  });

  it('leaves out a section that holds nothing, and restores it empty', () => {
    const [a, b] = [listSection(1, 0x61), listSection(7, 0x62)];
    a.apply(entry(1, 0x61, 'one'));
    const { bytes } = written(imageOf(1, [a, b]));
    expect([...readSections(bytes).sections.keys()]).toEqual([1]);
    const b2 = listSection(7, 0x62);
    b2.items = ['left over'];
    restoreSections([listSection(1, 0x61), b2], bytes);
    expect(b2.items).toEqual([]);
  });

  it('refuses an image holding a section this build does not know, restoring nothing', () => {
    const [a, newer] = [listSection(1, 0x61), listSection(9, 0x63)];
    a.apply(entry(1, 0x61, 'one'));
    newer.apply(entry(2, 0x63, 'new'));
    const { bytes } = written(imageOf(2, [a, newer]));
    const before = listSection(1, 0x61);
    before.items = ['mine'];
    expect(() => restoreSections([before], bytes)).toThrow(/section 9 is not one this build knows/);
    expect(before.items).toEqual(['mine']);
  });

  it('refuses a sectioned image whose sections run past its end or leave bytes over', () => {
    const header = sectionedImageHeader(5, [{ tag: 1, length: 10 }]);
    expect(() => readSections(Buffer.concat([header, Buffer.alloc(4)]))).toThrow(/runs past the image/);
    expect(() => readSections(Buffer.concat([header, Buffer.alloc(12)]))).toThrow(/2 bytes after the last section/);
  });
});

describe("a member's sections", () => {
  const recover = (data: Uint8Array | undefined, opts: { app?: boolean; sectioned?: boolean } = {}) =>
    MemberState.recover(data === undefined ? ({} as never) : ({ snapshot: { data: async () => data } } as never), {
      rt: fakeRuntime().rt,
      logger: quiet,
      ...(opts.app ? { app: { apply: () => null, snapshot: () => Buffer.from('app state'), restore: () => undefined } } : {}),
      sectionedImages: () => opts.sectioned === true,
    });

  it('carries the application image through a member that has no application', async () => {
    const withApp = await recover(undefined, { app: true, sectioned: true });
    withApp.apply({ index: 1, term: 1, type: 'normal', data: encodeAppCommand('op', new Uint8Array()) } as never);
    const image = written(withApp.beginImage()).bytes;
    expect(readSections(image).sections.has(SECTION_TAGS.app)).toBe(true);

    const without = await recover(image);
    expect(without.appliedIndex).toBe(1);
    const legacy = written(without.beginImage()).bytes;
    expect(Buffer.from(splitImage(legacy).app!).toString()).toBe('app state');
    // It cannot apply the application's commands: it stops there rather than skip one.
    const outcome = without.apply({ index: 2, term: 1, type: 'normal', data: encodeAppCommand('op', new Uint8Array()) } as never);
    expect('stop' in outcome && outcome.stop).toBeInstanceOf(Error);
    expect(without.appliedIndex).toBe(1);
  });

  it('reads its applied index from a legacy image through the registry', async () => {
    const state = await recover(undefined);
    state.skip(1);
    state.skip(2);
    const legacy = written(state.beginImage()).bytes;
    expect(legacy[0]).not.toBe(0xfa);
    expect((await recover(legacy)).appliedIndex).toBe(2);
  });
});
