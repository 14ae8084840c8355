/**
 * The bytes of an embedding application's log entries and of a member image that holds both the
 * registry's and the application's state (see src/core/node/state/app-machine.ts for the why). Kept
 * apart from the node so that offline tools (snapshot inspect, recover) can read them.
 *
 *   app entry   := 0x00 kind:u8 body
 *   kind 1      command: opLength:varuint op:utf8 payload:bytes (the rest)
 *   kind 2      state check: index:varuint hash:bytes (the rest)
 *   kind 3      etcd request: the etcd keyspace's write (src/core/etcd-store/replica.ts), applied by
 *               every member whether or not it hosts an application; JSON, bytes in base64
 *   kind 4      etcd request, binary (src/core/etcd-store/request-codec.ts): written only once every
 *               member reads data format 3 (the cluster version says so); kind 3 is read for ever
 *   member image := 0xFA 0x01 registryLength:u32le registry-image app-image
 *                 | 0xFA 0x02 registryLength:u32le appLength:u32le registry-image app-image etcd-image
 *                   (appLength 0xFFFFFFFF: no application). Written only when the etcd keyspace is
 *                   not empty, so a member that never served etcd writes the images it wrote before.
 *                 | 0xFA 0x03 appliedIndex:u64le count:u8 (tag:u8 length:u64le)^count section-images
 *                   (version 3, sectioned: each replicated section's image under its tag, in the
 *                   header's order; SECTION_TAGS). Written once every member reads data format 4
 *                   (SECTIONED_IMAGE_FORMAT), so a new replicated section is one registration.
 */
/** One application command: an operation name and its bytes, both the application's to define. */
export interface AppCommand {
  readonly op: string;
  readonly payload: Uint8Array;
}

const APP_ENTRY = 0x00;
const KIND_COMMAND = 1;
const KIND_CHECK = 2;
const KIND_ETCD = 3;
const KIND_ETCD_BINARY = 4;
const IMAGE_MAGIC = [0xfa, 0x01] as const;
const IMAGE_HEADER = 6;
const IMAGE_V2 = 0x02;
const IMAGE_V2_HEADER = 10;
const NO_APP = 0xffffffff;
const IMAGE_V3 = 0x03;
const V3_FIXED = 11;
const V3_PER_SECTION = 9;

/** The data format from which members read sectioned images (version 3). */
export const SECTIONED_IMAGE_FORMAT = 4;

/** Each replicated section's tag in a sectioned image: fixed for ever once written. */
export const SECTION_TAGS = { registry: 1, etcd: 2, app: 3 } as const;

/** Whether a log entry's bytes belong to the application (not the registry). */
export function isAppEntry(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === APP_ENTRY;
}

/** Whether an application entry is an etcd request (kind 3 or 4), applied by the member's etcd keyspace. */
export function isEtcdEntry(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === APP_ENTRY && (data[1] === KIND_ETCD || data[1] === KIND_ETCD_BINARY);
}

/** Whether an etcd request's entry is in the binary form (kind 4). */
export function isBinaryEtcdEntry(data: Uint8Array): boolean {
  return data[1] === KIND_ETCD_BINARY;
}

/** An etcd request's entry; `body` is the replica's encoding of it, JSON or (`binary`) request-codec.ts's. */
export function encodeEtcdEntry(body: Uint8Array, binary = false): Uint8Array {
  const entry = Buffer.allocUnsafe(body.byteLength + 2);
  entry[0] = APP_ENTRY;
  entry[1] = binary ? KIND_ETCD_BINARY : KIND_ETCD;
  entry.set(body, 2);
  return entry;
}

/** The body of an etcd request's entry. */
export function etcdEntryBody(data: Uint8Array): Uint8Array {
  return data.subarray(2);
}

function varuint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function readVaruint(data: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < data.length && i < at + 8; i++) {
    const b = data[i]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    scale *= 0x80;
  }
  throw new Error('application entry: truncated length');
}

export function encodeAppCommand(op: string, payload: Uint8Array): Uint8Array {
  const name = Buffer.from(op, 'utf8');
  return Buffer.concat([Buffer.from([APP_ENTRY, KIND_COMMAND, ...varuint(name.length)]), name, payload]);
}

export function encodeStateCheck(index: number, hash: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([APP_ENTRY, KIND_CHECK, ...varuint(index)]), hash]);
}

export type AppEntry = { readonly kind: 'command'; readonly command: AppCommand } | { readonly kind: 'check'; readonly index: number; readonly hash: Uint8Array };

export function decodeAppEntry(data: Uint8Array): AppEntry {
  const kind = data[1];
  const { value, next } = readVaruint(data, 2);
  if (kind === KIND_COMMAND) {
    if (next + value > data.length) throw new Error('application entry: operation name runs past the entry');
    const op = Buffer.from(data.buffer, data.byteOffset + next, value).toString('utf8');
    return { kind: 'command', command: { op, payload: data.subarray(next + value) } };
  }
  if (kind === KIND_CHECK) return { kind: 'check', index: value, hash: data.subarray(next) };
  throw new Error(`application entry of unknown kind ${kind}: written by a newer fleet?`);
}

/** The registry's and the application's images as one snapshot. */
export function joinImages(registry: Uint8Array, app: Uint8Array): Uint8Array {
  const header = Buffer.alloc(IMAGE_HEADER);
  header.set(IMAGE_MAGIC, 0);
  header.writeUInt32LE(registry.length, 2);
  return Buffer.concat([header, registry, app]);
}

/** The header of a joined image whose registry part is `registryLength` bytes (for images written in steps). */
export function imageHeader(registryLength: number): Uint8Array {
  const header = Buffer.alloc(IMAGE_HEADER);
  header.set(IMAGE_MAGIC, 0);
  header.writeUInt32LE(registryLength, 2);
  return header;
}

export const IMAGE_HEADER_BYTES = IMAGE_HEADER;

/** The header of a member image with an etcd keyspace (version 2); `appLength` undefined: no application. */
export function imageHeaderV2(registryLength: number, appLength: number | undefined): Uint8Array {
  const header = Buffer.alloc(IMAGE_V2_HEADER);
  header[0] = IMAGE_MAGIC[0];
  header[1] = IMAGE_V2;
  header.writeUInt32LE(registryLength, 2);
  header.writeUInt32LE(appLength ?? NO_APP, 6);
  return header;
}

export const IMAGE_V2_HEADER_BYTES = IMAGE_V2_HEADER;

/** The registry's, the application's and the etcd keyspace's images as one snapshot (version 2). */
export function joinImagesV2(registry: Uint8Array, app: Uint8Array | undefined, etcd: Uint8Array): Uint8Array {
  return Buffer.concat([imageHeaderV2(registry.length, app?.length), registry, ...(app ? [app] : []), etcd]);
}

/** One section of a sectioned image, as its header lists it. */
export interface SectionEntry {
  readonly tag: number;
  readonly length: number;
}

/** The bytes a sectioned image's header takes for `count` sections. */
export function sectionedHeaderBytes(count: number): number {
  return V3_FIXED + count * V3_PER_SECTION;
}

/** The header of a sectioned image (version 3): the applied index it was taken at and its sections in order. */
export function sectionedImageHeader(appliedIndex: number, sections: readonly SectionEntry[]): Uint8Array {
  if (sections.length > 0xff) throw new RangeError(`a member image holds at most 255 sections, not ${sections.length}`);
  const header = Buffer.alloc(sectionedHeaderBytes(sections.length));
  header[0] = IMAGE_MAGIC[0];
  header[1] = IMAGE_V3;
  header.writeBigUInt64LE(BigInt(appliedIndex), 2);
  header[10] = sections.length;
  sections.forEach(({ tag, length }, i) => {
    header[V3_FIXED + i * V3_PER_SECTION] = tag;
    header.writeBigUInt64LE(BigInt(length), V3_FIXED + i * V3_PER_SECTION + 1);
  });
  return header;
}

/** A member image read into its sections by tag; `appliedIndex` only from a sectioned image (earlier ones leave it to the registry's). */
export interface ImageSections {
  readonly appliedIndex?: number;
  readonly sections: ReadonlyMap<number, Uint8Array>;
}

/** Reads a member image of any version into its sections (a registry-only image is one section). */
export function readSections(data: Uint8Array): ImageSections {
  if (!isSectioned(data)) {
    const { registry, app, etcd } = splitImage(data);
    const sections = new Map<number, Uint8Array>([[SECTION_TAGS.registry, registry]]);
    if (app !== undefined) sections.set(SECTION_TAGS.app, app);
    if (etcd !== undefined) sections.set(SECTION_TAGS.etcd, etcd);
    return { sections };
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const count = data.length > V3_FIXED - 1 ? data[10]! : 0;
  if (data.length < sectionedHeaderBytes(count)) throw new Error(`snapshot: the sectioned image's header (${count} sections) runs past the image (${data.length} bytes)`);
  const sections = new Map<number, Uint8Array>();
  let at = sectionedHeaderBytes(count);
  for (let i = 0; i < count; i++) {
    const tag = data[V3_FIXED + i * V3_PER_SECTION]!;
    const length = Number(view.readBigUInt64LE(V3_FIXED + i * V3_PER_SECTION + 1));
    if (at + length > data.length) throw new Error(`snapshot: section ${tag} (${length} bytes) runs past the image (${data.length} bytes)`);
    if (sections.has(tag)) throw new Error(`snapshot: section ${tag} appears twice`);
    sections.set(tag, data.subarray(at, at + length));
    at += length;
  }
  if (at !== data.length) throw new Error(`snapshot: ${data.length - at} bytes after the last section`);
  return { appliedIndex: Number(view.readBigUInt64LE(2)), sections };
}

function isSectioned(data: Uint8Array): boolean {
  return data.length >= V3_FIXED && data[0] === IMAGE_MAGIC[0] && data[1] === IMAGE_V3;
}

/**
 * Splits a snapshot into the registry's image, the application's (absent: no application) and
 * the etcd keyspace's (absent: an empty keyspace). Reads registry-only images and every version.
 */
export function splitImage(data: Uint8Array): { registry: Uint8Array; app?: Uint8Array; etcd?: Uint8Array } {
  if (isSectioned(data)) {
    const { sections } = readSections(data);
    const [registry, app, etcd] = [sections.get(SECTION_TAGS.registry), sections.get(SECTION_TAGS.app), sections.get(SECTION_TAGS.etcd)];
    return { registry: registry ?? new Uint8Array(0), ...(app === undefined ? {} : { app }), ...(etcd === undefined ? {} : { etcd }) };
  }
  if (data.length >= IMAGE_V2_HEADER && data[0] === IMAGE_MAGIC[0] && data[1] === IMAGE_V2) return splitImageV2(data);
  if (data.length < IMAGE_HEADER || data[0] !== IMAGE_MAGIC[0] || data[1] !== IMAGE_MAGIC[1]) return { registry: data };
  const length = Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32LE(2);
  if (IMAGE_HEADER + length > data.length) throw new Error(`snapshot: the registry part (${length} bytes) runs past the image (${data.length} bytes)`);
  return { registry: data.subarray(IMAGE_HEADER, IMAGE_HEADER + length), app: data.subarray(IMAGE_HEADER + length) };
}


function splitImageV2(data: Uint8Array): { registry: Uint8Array; app?: Uint8Array; etcd: Uint8Array } {
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const registryLength = view.readUInt32LE(2);
  const appLength = view.readUInt32LE(6);
  const appBytes = appLength === NO_APP ? 0 : appLength;
  if (IMAGE_V2_HEADER + registryLength + appBytes > data.length) {
    throw new Error(`snapshot: the registry and application parts (${registryLength} + ${appBytes} bytes) run past the image (${data.length} bytes)`);
  }
  const appStart = IMAGE_V2_HEADER + registryLength;
  return {
    registry: data.subarray(IMAGE_V2_HEADER, appStart),
    ...(appLength === NO_APP ? {} : { app: data.subarray(appStart, appStart + appBytes) }),
    etcd: data.subarray(appStart + appBytes),
  };
}
