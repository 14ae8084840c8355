/**
 * A snapshot sent to a follower on the framed path (peer-frames.ts, FRAMED_SNAPSHOT_PATH), on an
 * HTTP/2 session of its own that ends with the transfer: snapshots are rare and large, and a
 * session of their own keeps them out of the way of the batches' stream (and its back-off).
 */
import http2 from 'node:http2';
import type { FramedDial } from './framed-link.js';
import { frame, frameLength, FRAMED_CONTENT_TYPE, FRAMED_HEADER, FRAMED_SNAPSHOT_PATH, REFUSED_HEADER } from './peer-frames.js';

/** How the follower answered: installed, refused (saying why), or not at all. */
export type SnapshotOutcome = { readonly ok: true } | { readonly ok: false; readonly refused: boolean; readonly detail: string };

/** Senders cut snapshots into chunks of this size (the receiver takes up to MAX_SNAPSHOT_CHUNK). */
export const SNAPSHOT_CHUNK = 1 << 20;
/**
 * A transfer that moves nothing for this long is given up (the follower stopped reading, or its
 * host went away without a reset); the leader then sends it a snapshot again.
 */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * Sends the head frame (`head`, an encoded PeerBatch carrying the `snap` message), then `data` in
 * frames of SNAPSHOT_CHUNK, then ends the request, and waits for the follower's answer. Never
 * rejects: every failure is an outcome.
 */
export function sendFramedSnapshot(dial: FramedDial, headers: http2.OutgoingHttpHeaders, head: Uint8Array, data: Uint8Array): Promise<SnapshotOutcome> {
  return new Promise((resolve) => {
    const tls = dial.tls;
    const session = http2.connect(`${tls ? 'https' : 'http'}://${dial.address}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER, ...tls });
    let settled = false;
    const settle = (outcome: SnapshotOutcome): void => {
      if (settled) return;
      settled = true;
      if (!session.destroyed) session.destroy();
      resolve(outcome);
    };
    const unreachable = (detail: string) => settle({ ok: false, refused: false, detail });
    session.on('error', (err: Error) => unreachable(err.message));
    session.on('close', () => unreachable('connection closed before the follower answered'));
    const req = session.request({ ':method': 'POST', ':path': FRAMED_SNAPSHOT_PATH, 'content-type': FRAMED_CONTENT_TYPE, ...headers }, { endStream: false });
    req.setTimeout(IDLE_TIMEOUT_MS, () => unreachable(`the transfer moved nothing for ${IDLE_TIMEOUT_MS / 1000} s`));
    req.on('error', (err: Error) => unreachable(err.message));
    req.on('close', () => unreachable(`the stream closed unanswered (code ${req.rstCode ?? '-'})`));
    req.on('response', (h) => settle(answerOf(h)));
    req.resume();
    req.write(frame(head));
    for (let off = 0; off < data.length; off += SNAPSHOT_CHUNK) {
      const chunk = data.subarray(off, off + SNAPSHOT_CHUNK);
      req.write(frameLength(chunk.length));
      req.write(chunk);
    }
    req.end();
  });
}

function answerOf(headers: http2.IncomingHttpHeaders): SnapshotOutcome {
  const status = Number(headers[':status']);
  if (status === 200 && headers[FRAMED_HEADER] !== undefined) return { ok: true };
  const refusal = headers[REFUSED_HEADER];
  if (typeof refusal === 'string') return { ok: false, refused: true, detail: decodeURIComponent(refusal) };
  return { ok: false, refused: false, detail: `answered ${status} without taking the snapshot` };
}
