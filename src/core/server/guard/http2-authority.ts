/**
 * Just enough of HTTP/2 (RFC 9113) and HPACK (RFC 7541) to replace the `:authority` of the
 * requests a client sends, for authority-front.ts: frames are split off a byte stream, each
 * request's header block is reassembled from HEADERS and CONTINUATION frames, and its literal
 * `:authority` fields are re-encoded with another value; every other byte passes unchanged.
 *
 * HPACK's dynamic table stays consistent without being tracked: a replaced literal keeps its
 * indexing kind, so the decoder stores the new value where the encoder stored its own, and the new
 * value is never longer than the old (the caller is told the old one's encoded length), so the
 * decoder's table never holds more bytes than the encoder's and evicts nothing the encoder still
 * refers to. (An encoder uses Huffman coding only where it is shorter, as Go's and nghttp2's do,
 * so a value is at least as long as its encoded form.)
 */

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME_HEADERS = 0x1;
export const FRAME_RST_STREAM = 0x3;
export const FRAME_SETTINGS = 0x4;
export const FRAME_GOAWAY = 0x7;
export const FRAME_CONTINUATION = 0x9;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
const FRAME_HEADER_BYTES = 9;
/** The smallest SETTINGS_MAX_FRAME_SIZE a peer may set: a rewritten block is split at it. */
const MIN_MAX_FRAME_SIZE = 16_384;
/** The static table's index of `:authority`. */
const AUTHORITY_INDEX = 1;

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
  /** The whole frame as received, header included. */
  readonly raw: Buffer;
}

/** The whole frames at the start of `buf`, and the bytes after them (a frame not yet whole). */
export function splitFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let pos = 0;
  while (buf.length - pos >= FRAME_HEADER_BYTES) {
    const length = buf.readUIntBE(pos, 3);
    const end = pos + FRAME_HEADER_BYTES + length;
    if (end > buf.length) break;
    frames.push({ type: buf[pos + 3]!, flags: buf[pos + 4]!, stream: buf.readUInt32BE(pos + 5) & 0x7fff_ffff, payload: buf.subarray(pos + FRAME_HEADER_BYTES, end), raw: buf.subarray(pos, end) });
    pos = end;
  }
  return { frames, rest: buf.subarray(pos) };
}

export function encodeFrame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

// ---------------------------------------------------------------------------------------------- HPACK

/** An HPACK integer with an N-bit prefix at `pos` (RFC 7541 §5.1). */
function readInt(buf: Buffer, pos: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = buf[pos]! & max;
  let next = pos + 1;
  if (value < max) return { value, next };
  for (let shift = 0; ; shift += 7) {
    if (next >= buf.length || shift > 28) throw new Error('HPACK: a malformed integer');
    const b = buf[next++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next };
  }
}

function writeInt(highBits: number, prefixBits: number, value: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([highBits | value]);
  const bytes = [highBits | max];
  for (let rest = value - max; ; rest = Math.floor(rest / 128)) {
    if (rest < 128) {
      bytes.push(rest);
      return Buffer.from(bytes);
    }
    bytes.push((rest % 128) | 0x80);
  }
}

/** The end of the string literal at `pos` (§5.2), and how many bytes its encoded form holds. */
function skipString(buf: Buffer, pos: number): { next: number; encodedLength: number } {
  const { value: length, next } = readInt(buf, pos, 7);
  if (next + length > buf.length) throw new Error('HPACK: a string runs past its block');
  return { next: next + length, encodedLength: length };
}

/**
 * `block` with each literal `:authority` field (named by the static table's index, as every
 * encoder names it) given the value `replace(encodedLength)` returns, raw, with the same indexing;
 * a field for which it returns undefined, or longer than the old encoded value, is left as it was.
 */
export function replaceAuthority(block: Buffer, replace: (encodedLength: number) => string | undefined, seen?: (encodedValue: Buffer) => void): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < block.length) {
    const first = block[pos]!;
    const start = pos;
    if (first & 0x80) {
      pos = readInt(block, pos, 7).next; // indexed field
    } else if ((first & 0xe0) === 0x20) {
      pos = readInt(block, pos, 5).next; // dynamic table size update
    } else {
      // Literal: with incremental indexing (01), never indexed (0001) or without indexing (0000).
      const [prefixBits, highBits] = (first & 0xc0) === 0x40 ? [6, 0x40] : [4, first & 0xf0];
      const name = readInt(block, pos, prefixBits);
      pos = name.value === 0 ? skipString(block, name.next).next : name.next;
      const value = skipString(block, pos);
      if (name.value === AUTHORITY_INDEX) seen?.(block.subarray(pos, value.next));
      pos = value.next;
      const replacement = name.value === AUTHORITY_INDEX ? replace(value.encodedLength) : undefined;
      if (replacement !== undefined && Buffer.byteLength(replacement, 'latin1') <= value.encodedLength) {
        const bytes = Buffer.from(replacement, 'latin1');
        out.push(writeInt(highBits, prefixBits, AUTHORITY_INDEX), writeInt(0, 7, bytes.length), bytes);
        continue;
      }
    }
    out.push(block.subarray(start, pos));
  }
  return Buffer.concat(out);
}

/**
 * The encoded value (length prefix included, so Huffman and raw forms differ) of the first literal
 * `:authority` in `block`, the header block of a connection's first request; undefined without one.
 * On a connection's first block HPACK's table is empty, so an authority there is a literal.
 */
export function firstAuthorityLiteral(block: Buffer): Buffer | undefined {
  let found: Buffer | undefined;
  replaceAuthority(block, () => undefined, (encoded) => (found ??= Buffer.from(encoded)));
  return found;
}

/** The header block of a request from its HEADERS frame and the CONTINUATION frames after it. */
export function headerBlock(frames: readonly Frame[]): Buffer {
  return Buffer.concat(frames.map((f, i) => (i === 0 ? headersParts(f).fragment : f.payload)));
}

/** A HEADERS frame's header block fragment and priority fields, its padding dropped (§6.2). */
function headersParts(f: Frame): { priority: Buffer | undefined; fragment: Buffer } {
  let body = f.payload;
  if (f.flags & FLAG_PADDED) {
    const pad = body[0] ?? 0;
    if (pad >= body.length) throw new Error('HTTP/2: HEADERS padding longer than the frame');
    body = body.subarray(1, body.length - pad);
  }
  if (f.flags & FLAG_PRIORITY) return { priority: body.subarray(0, 5), fragment: body.subarray(5) };
  return { priority: undefined, fragment: body };
}

/**
 * Rewrites the requests of one client-to-server byte stream (after its preface): each header
 * block's `:authority` replaced, other frames passed as they came. Stateful: bytes may arrive in
 * any pieces, and a block may span frames.
 */
export class AuthorityRewriter {
  private pending: Buffer = Buffer.alloc(0);
  private block: { first: Frame; priority: Buffer | undefined; fragments: Buffer[] } | undefined;

  constructor(private readonly replace: (encodedLength: number) => string | undefined) {}

  /** The bytes to pass on for `data` (perhaps none yet: a frame or a block not yet whole). */
  push(data: Buffer): Buffer {
    const { frames, rest } = splitFrames(this.pending.length === 0 ? data : Buffer.concat([this.pending, data]));
    this.pending = Buffer.from(rest);
    const out: Buffer[] = [];
    for (const f of frames) {
      if (this.block === undefined && f.type !== FRAME_HEADERS) {
        out.push(f.raw);
        continue;
      }
      if (this.block === undefined) {
        const { priority, fragment } = headersParts(f);
        this.block = { first: f, priority, fragments: [fragment] };
      } else if (f.type === FRAME_CONTINUATION && f.stream === this.block.first.stream) {
        this.block.fragments.push(f.payload);
      } else {
        throw new Error('HTTP/2: a header block interrupted by another frame');
      }
      if (f.flags & FLAG_END_HEADERS) {
        out.push(...this.headerFrames(this.block));
        this.block = undefined;
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** The rewritten block as a HEADERS frame and, past the smallest frame size, CONTINUATION frames. */
  private headerFrames(b: { first: Frame; priority: Buffer | undefined; fragments: Buffer[] }): Buffer[] {
    const block = replaceAuthority(Buffer.concat(b.fragments), this.replace);
    const head = b.priority === undefined ? block : Buffer.concat([b.priority, block]);
    const flags = b.first.flags & ~FLAG_PADDED & ~FLAG_END_HEADERS;
    const frames: Buffer[] = [];
    for (let pos = 0; pos === 0 || pos < head.length; pos += MIN_MAX_FRAME_SIZE) {
      const last = pos + MIN_MAX_FRAME_SIZE >= head.length;
      const type = pos === 0 ? FRAME_HEADERS : FRAME_CONTINUATION;
      frames.push(encodeFrame(type, (pos === 0 ? flags : 0) | (last ? FLAG_END_HEADERS : 0), b.first.stream, head.subarray(pos, pos + MIN_MAX_FRAME_SIZE)));
    }
    return frames;
  }
}
