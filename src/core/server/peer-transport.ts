import * as grpc from '@grpc/grpc-js';
import type { PeerBatch } from '../../proto/generated/fleet/v1/PeerBatch.js';
import type { PeerClient, PeerHandlers } from '../../proto/generated/fleet/v1/Peer.js';
import type { SnapshotChunk__Output } from '../../proto/generated/fleet/v1/SnapshotChunk.js';
import { loadFleetProto } from '../../proto/index.js';
import type { NodeLogger, PeerSender } from '../node/fleet-node.js';
import type { Message, SnapshotMeta } from '../raft/index.js';
import { messageFromWire, messageToWire, metaToWire } from './peer-wire.js';

/** What the transport needs from the member it serves. */
export interface PeerEndpoint {
  step(m: Message): void;
  peerDisconnected(peer: string): void;
  reportUnreachable(peer: string): void;
  reportSnapshot(peer: string, ok: boolean): void;
  /** A peer said where it listens (the first batch of each of its streams). */
  peerAddress(peer: string, address: string): void;
  readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined>;
}

export interface PeerTransportOptions {
  readonly selfId: string;
  /** Where this member listens, announced to peers. */
  readonly selfAddress: string;
  readonly clusterName: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly logger: NodeLogger;
}

const SNAPSHOT_CHUNK = 1 << 20;

/** Reconnect fast: a restarted peer must be reachable again within a heartbeat or two, not after gRPC's default back-off of up to two minutes. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.min_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.max_receive_message_length': 64 << 20,
};

interface PeerLink {
  address: string;
  client: PeerClient;
  stream: grpc.ClientWritableStream<PeerBatch> | undefined;
}

/**
 * Raft messages between members over one long-lived gRPC client stream per peer and
 * direction: each send is one batch per peer. Delivery is best effort — a broken stream drops
 * what was in it and is reopened on the next send; Raft retransmits what matters.
 */
export class GrpcPeerTransport implements PeerSender {
  private readonly links = new Map<string, PeerLink>();
  private endpoint: PeerEndpoint | undefined;
  /** Drill hook: peers whose traffic is dropped in both directions (a simulated partition). */
  readonly blocked = new Set<string>();

  constructor(private readonly opts: PeerTransportOptions) {}

  attach(endpoint: PeerEndpoint): void {
    this.endpoint = endpoint;
  }

  setPeers(peers: ReadonlyMap<string, string>): void {
    for (const [id, link] of this.links) {
      if (peers.get(id) !== link.address) {
        link.stream?.end();
        link.client.close();
        this.links.delete(id);
      }
    }
    const Peer = loadFleetProto().fleet.v1.Peer;
    for (const [id, address] of peers) {
      if (this.links.has(id) || !address) continue;
      this.links.set(id, { address, client: new Peer(address, this.opts.credentials, CHANNEL_OPTIONS), stream: undefined });
    }
  }

  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      if (this.blocked.has(m.to)) continue;
      if (m.type === 'snap') {
        void this.sendSnapshot(m);
        continue;
      }
      let list = byPeer.get(m.to);
      if (!list) byPeer.set(m.to, (list = []));
      list.push(m);
    }
    for (const [to, list] of byPeer) this.sendBatch(to, list);
  }

  private sendBatch(to: string, messages: Message[]): void {
    const link = this.links.get(to);
    if (!link) return;
    const opening = !link.stream;
    if (!link.stream) link.stream = this.openStream(to, link);
    const announce = opening ? { fromAddress: this.opts.selfAddress } : {};
    link.stream.write({ cluster: this.opts.clusterName, from: this.opts.selfId, ...announce, messages: messages.map(messageToWire) });
  }

  private openStream(to: string, link: PeerLink): grpc.ClientWritableStream<PeerBatch> {
    const stream = link.client.replicate((err) => {
      if (link.stream === stream) link.stream = undefined;
      if (err && err.code !== grpc.status.CANCELLED) {
        this.opts.logger.debug({ peer: to, code: err.code, err: err.details }, 'replication stream to peer closed');
        this.endpoint?.reportUnreachable(to);
      }
    });
    stream.on('error', () => {
      if (link.stream === stream) link.stream = undefined;
    });
    return stream;
  }

  /** Streams our newest snapshot to `m.to`; the message's metadata is replaced by the file's. */
  private async sendSnapshot(m: Message): Promise<void> {
    const link = this.links.get(m.to);
    const snap = await this.endpoint?.readLatestSnapshot();
    if (!link || !snap) {
      this.endpoint?.reportSnapshot(m.to, false);
      return;
    }
    this.opts.logger.info({ peer: m.to, index: snap.meta.index, bytes: snap.data.length }, 'sending a snapshot to a follower');
    const call = link.client.installSnapshot((err) => {
      if (err) this.opts.logger.warn({ peer: m.to, err: err.details }, 'snapshot transfer failed');
      this.endpoint?.reportSnapshot(m.to, !err);
    });
    const message = { ...messageToWire(m), snapshot: metaToWire(snap.meta) };
    for (let off = 0; off < snap.data.length || off === 0; off += SNAPSHOT_CHUNK) {
      const data = snap.data.subarray(off, off + SNAPSHOT_CHUNK);
      const done = off + SNAPSHOT_CHUNK >= snap.data.length;
      call.write({ cluster: this.opts.clusterName, ...(off === 0 ? { message } : {}), data, done });
      if (done) break;
    }
    call.end();
  }

  /** The server side of the Peer service: steps every message received into the member. */
  handlers(): PeerHandlers {
    return {
      Replicate: (call, callback) => {
        let from = '';
        const gone = () => {
          if (from) this.endpoint?.peerDisconnected(from);
        };
        call.on('data', (batch: PeerBatch & { from: string; cluster: string; fromAddress?: string; messages: Parameters<typeof messageFromWire>[0][] }) => {
          if (batch.cluster !== this.opts.clusterName) {
            call.destroy(new Error(`peer ${batch.from} belongs to cluster ${batch.cluster}, not ${this.opts.clusterName}`));
            return;
          }
          from = batch.from;
          if (this.blocked.has(from)) return;
          if (batch.fromAddress) this.endpoint?.peerAddress(from, batch.fromAddress);
          for (const w of batch.messages) {
            try {
              this.endpoint?.step(messageFromWire(w));
            } catch (err) {
              this.opts.logger.warn({ peer: from, err: String(err) }, 'dropping a malformed peer message');
            }
          }
        });
        call.on('end', () => {
          gone();
          callback(null, {});
        });
        call.on('error', gone);
        call.on('cancelled', gone);
      },
      InstallSnapshot: (call, callback) => {
        const chunks: Buffer[] = [];
        let head: SnapshotChunk__Output | undefined;
        call.on('data', (chunk: SnapshotChunk__Output) => {
          if (!head) head = chunk;
          chunks.push(chunk.data);
        });
        call.on('end', () => {
          if (!head?.message || head.cluster !== this.opts.clusterName || this.blocked.has(head.message.from)) {
            callback({ code: grpc.status.INVALID_ARGUMENT, details: 'snapshot stream without a valid first chunk' });
            return;
          }
          const data = Buffer.concat(chunks);
          this.endpoint?.step(messageFromWire(head.message, new Uint8Array(data.buffer, data.byteOffset, data.length)));
          callback(null, { installed: true });
        });
      },
    };
  }

  close(): void {
    for (const link of this.links.values()) {
      link.stream?.end();
      link.client.close();
    }
    this.links.clear();
  }
}
