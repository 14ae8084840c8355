/**
 * The framed peer stream: Raft's batches between members as one long HTTP/2 request per peer and
 * direction on the member's client port, each batch a frame of its own (a 4-byte big-endian
 * length, then the PeerBatch as peer-codec.ts encodes it). No gRPC: no call object, status,
 * message header or channelz record per batch, and no protobufjs between the wire and the codec.
 *
 * The request names the path and content type below and carries the same handshake headers as the
 * gRPC Peer service's metadata (guard/peer-auth.ts); the member authenticates them before it reads
 * a byte of the body, and answers 200 with FRAMED_HEADER once the first batch was admitted.
 */

/** Where a member takes the framed stream (never a gRPC path: its content type is not gRPC's). */
export const FRAMED_PATH = '/fleet.v1.Peer/Framed';
/**
 * Where a member takes a snapshot from its leader as frames: first the head (a PeerBatch whose one
 * message is the `snap` with the snapshot's metadata), then the snapshot's bytes, a chunk a frame,
 * then the end of the request. It is answered once the whole snapshot was spooled and stepped.
 */
export const FRAMED_SNAPSHOT_PATH = '/fleet.v1.Peer/FramedSnapshot';
/** The paths the client port's front gives the peer transport. */
export const FRAMED_PATHS: readonly string[] = [FRAMED_PATH, FRAMED_SNAPSHOT_PATH];
export const FRAMED_CONTENT_TYPE = 'application/x-fleet-peer';
/** On the answer to an admitted stream, so that a sender can tell it from whatever else answered. */
export const FRAMED_HEADER = 'fleet-peer-framed';
/** On the answer to a refused stream: why (the gRPC service's status details). */
export const REFUSED_HEADER = 'fleet-peer-refused';

/** The largest batch a frame may carry: the gRPC Peer service's message limit. */
export const MAX_FRAME_BYTES = 64 << 20;
const LENGTH_BYTES = 4;

/** One batch as a frame: its length, then its bytes. */
export function frame(batch: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + batch.length);
  out.writeUInt32BE(batch.length, 0);
  out.set(batch, LENGTH_BYTES);
  return out;
}

/** The length that begins a frame of `length` bytes alone, for a large body written after it uncopied. */
export function frameLength(length: number): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES);
  out.writeUInt32BE(length, 0);
  return out;
}

/**
 * Cuts a stream's chunks into frames, however the chunks fall. Keeps at most one frame's bytes. A
 * length over the limit is caught as soon as its four bytes are in (`tooLarge`): the frames before
 * it are still given, and nothing after it is read.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The length of the frame being read, once its four bytes are in; -1 before. */
  private need = -1;
  /** Why the stream must be refused: a frame announced over the limit. */
  tooLarge: string | undefined;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** The frames `chunk` completes, in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (this.tooLarge !== undefined) return frames;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.pendingBytes < LENGTH_BYTES) return frames;
        const length = this.take(LENGTH_BYTES).readUInt32BE(0);
        if (length > this.maxBytes) {
          this.tooLarge = `a peer frame of ${length} bytes, over the ${this.maxBytes}-byte limit`;
          this.pending = [];
          this.pendingBytes = 0;
          return frames;
        }
        this.need = length;
      }
      if (this.pendingBytes < this.need) return frames;
      frames.push(this.take(this.need));
      this.need = -1;
    }
  }

  /** Whether a frame was begun and not finished (a stream that ends so was cut short). */
  get midFrame(): boolean {
    return this.need >= 0 || this.pendingBytes > 0;
  }

  /** The next `n` pending bytes, removed. */
  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const taken = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return taken;
  }
}
