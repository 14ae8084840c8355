/**
 * An attacker on the network, for the peer-authentication tests: it opens the Peer service's
 * streams with whatever credentials it is given and sends hand-made Raft messages.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { encodeCommand } from '../../src/core/fleet/codec.js';
import { memberServerName } from '../../src/core/server/guard/member-names.js';
import { PEER_ID_METADATA, signHandshake } from '../../src/core/server/guard/peer-auth.js';
import type { RaftMessage } from '../../src/proto/generated/fleet/v1/RaftMessage.js';
import { loadFleetProto } from '../../src/proto/index.js';

export interface ForgerCredentials {
  /** Sign the handshake with this secret as this id (a peer secret, right or wrong). */
  readonly signAs?: { readonly secret: string; readonly id: string };
  /** Name this id in the unsigned id header. */
  readonly claim?: string;
  /** Extra metadata (e.g. a client's bearer token). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** TLS: the CA to trust, and the certificate (and key) to present, if any. */
  readonly tls?: { readonly ca: string; readonly cert?: string; readonly key?: string; readonly target: string };
}

export interface Target {
  readonly id: string;
  readonly address: string;
  readonly cluster?: string;
  readonly clusterId?: string;
}

function client(target: Target, creds: ForgerCredentials): grpc.Client & Record<string, unknown> {
  const Peer = loadFleetProto().fleet.v1.Peer;
  const tls = creds.tls;
  const credentials = tls
    ? grpc.credentials.createSsl(readFileSync(tls.ca), tls.key ? readFileSync(tls.key) : null, tls.cert ? readFileSync(tls.cert) : null)
    : grpc.credentials.createInsecure();
  const options = tls ? { 'grpc.ssl_target_name_override': memberServerName(tls.target) } : {};
  return new Peer(target.address, credentials, options) as unknown as grpc.Client & Record<string, unknown>;
}

function metadataFor(target: Target, creds: ForgerCredentials): grpc.Metadata {
  const md = creds.signAs ? signHandshake(Buffer.from(creds.signAs.secret), target.cluster ?? 'fleet', creds.signAs.id, target.id, Date.now()) : new grpc.Metadata();
  if (creds.claim) md.set(PEER_ID_METADATA, creds.claim);
  for (const [k, v] of Object.entries(creds.metadata ?? {})) md.set(k, v);
  return md;
}

/** Sends one batch on a Replicate stream; resolves with the stream's error (undefined when it was accepted). */
export async function sendBatch(target: Target, creds: ForgerCredentials, from: string, messages: RaftMessage[]): Promise<grpc.ServiceError | undefined> {
  const c = client(target, creds);
  try {
    return await new Promise((resolve) => {
      const call = (c as unknown as { replicate: (md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown> }).replicate(metadataFor(target, creds), (err) => resolve(err ?? undefined));
      call.on('error', () => undefined);
      call.write({ cluster: target.cluster ?? 'fleet', from, fromAddress: '127.0.0.1:1', clusterId: target.clusterId ?? '', messages });
      call.end();
    });
  } finally {
    c.close();
  }
}

/** A heartbeat from `from` at `term`, carrying a commit index. */
export function heartbeat(from: string, to: string, term: number, commit: number): RaftMessage {
  return { type: 'heartbeat', from, to, term, commit };
}

/** An append of a `kv.put` of `key` after `index` (of `logTerm`), committing it at once. */
export function appendPut(from: string, to: string, term: number, index: number, logTerm: number, key: string): RaftMessage {
  const data = encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: Date.now(), op: { type: 'kv.put', key, value: 'forged' } });
  return { type: 'app', from, to, term, index, logTerm, commit: index + 1, entries: [{ term, index: index + 1, type: 'ENTRY_TYPE_NORMAL', data }] };
}

/**
 * Streams `totalBytes` of snapshot data in `chunkBytes` chunks as `from` at `term`; resolves
 * with the stream's error once the member answers (or after the last chunk).
 */
export async function sendSnapshot(target: Target, creds: ForgerCredentials, from: string, term: number, index: number, totalBytes: number, chunkBytes: number): Promise<grpc.ServiceError | undefined> {
  const c = client(target, creds);
  try {
    return await new Promise((resolve) => {
      const call = (c as unknown as { installSnapshot: (md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown> }).installSnapshot(metadataFor(target, creds), (err) => resolve(err ?? undefined));
      call.on('error', () => undefined);
      const message = { type: 'snap', from, to: target.id, term, snapshot: { index, term, conf: { voters: [from, target.id], learners: [] } } };
      const chunk = Buffer.alloc(chunkBytes, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < totalBytes) {
          const first = sent === 0;
          sent += chunkBytes;
          const more = call.write({ cluster: target.cluster ?? 'fleet', ...(first ? { message, clusterId: target.clusterId ?? '' } : {}), data: chunk, done: sent >= totalBytes });
          if (!more) return void call.once('drain', pump);
        }
        call.end();
      };
      pump();
    });
  } finally {
    c.close();
  }
}
