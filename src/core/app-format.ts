/**
 * The bytes of an embedding application's log entries and of a member image that holds both the
 * registry's and the application's state (see src/core/node/app-machine.ts for the why). Kept
 * apart from the node so that offline tools (snapshot inspect, recover) can read them.
 *
 *   app entry   := 0x00 kind:u8 body
 *   kind 1      command: opLength:varuint op:utf8 payload:bytes (the rest)
 *   kind 2      state check: index:varuint hash:bytes (the rest)
 *   member image := 0xFA 0x01 registryLength:u32le registry-image app-image
 */
/** One application command: an operation name and its bytes, both the application's to define. */
export interface AppCommand {
  readonly op: string;
  readonly payload: Uint8Array;
}

const APP_ENTRY = 0x00;
const KIND_COMMAND = 1;
const KIND_CHECK = 2;
const IMAGE_MAGIC = [0xfa, 0x01] as const;
const IMAGE_HEADER = 6;

/** Whether a log entry's bytes belong to the application (not the registry). */
export function isAppEntry(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === APP_ENTRY;
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

/** Splits a snapshot into the registry's image and the application's (absent: a registry-only image). */
export function splitImage(data: Uint8Array): { registry: Uint8Array; app?: Uint8Array } {
  if (data.length < IMAGE_HEADER || data[0] !== IMAGE_MAGIC[0] || data[1] !== IMAGE_MAGIC[1]) return { registry: data };
  const length = Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32LE(2);
  if (IMAGE_HEADER + length > data.length) throw new Error(`snapshot: the registry part (${length} bytes) runs past the image (${data.length} bytes)`);
  return { registry: data.subarray(IMAGE_HEADER, IMAGE_HEADER + length), app: data.subarray(IMAGE_HEADER + length) };
}

