import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import type { PeerBatch, PeerBatch__Output } from '../../../proto/generated/fleet/v1/PeerBatch.js';
import type { PeerClient, PeerHandlers } from '../../../proto/generated/fleet/v1/Peer.js';
import type { RaftMessage__Output } from '../../../proto/generated/fleet/v1/RaftMessage.js';
import type { SnapshotChunk__Output } from '../../../proto/generated/fleet/v1/SnapshotChunk.js';
import { loadFleetProto } from '../../../proto/index.js';
import { decodePeerBatch, encodePeerBatch, type PeerBatchIn } from '../../../proto/peer-codec.js';
import type { NodeLogger, PeerSender } from '../../node/fleet-node.js';
import type { Message, SnapshotMeta } from '../../raft/index.js';
import { PeerTrouble } from './peer-trouble.js';
import { PEER_AUTH_METADATA, PEER_ID_METADATA, PeerAuthenticator, RejectionLog, signHandshake, type PeerCredentials, type PeerRejection } from '../guard/peer-auth.js';
import { messageFromWire, messageToWire, metaToWire } from './peer-wire.js';
import { LinkDelays } from './link-delay.js';
import { SnapshotReceiver, type SnapshotSpool } from './snapshot-receiver.js';
import { FramedLink, type FramedDial } from './framed-link.js';
import { FRAMED_HEADER, FRAMED_SNAPSHOT_PATH, FrameReader, REFUSED_HEADER } from './peer-frames.js';
import { sendFramedSnapshot, SNAPSHOT_CHUNK, type SnapshotOutcome } from './framed-snapshot.js';
import { MAX_SNAPSHOT_CHUNK } from './snapshot-receiver.js';
import { RepeatedWarnings, withHeld } from '../guard/repeated-warnings.js';

/** What the transport needs from the member it serves. */
export interface PeerEndpoint {
  step(m: Message): void;
  peerDisconnected(peer: string): void;
  reportUnreachable(peer: string): void;
  reportSnapshot(peer: string, ok: boolean): void;
  /** A peer said where it listens (the first batch of each of its streams). */
  peerAddress(peer: string, address: string): void;
  /** A peer said where it runs (zone and region, '' when unset), on the same first batch. */
  peerPlacement?(peer: string, placement: { zone: string; region: string; readReplica: boolean }): void;
  /** A peer said which fleet version it runs and the data format it reads, on the same first batch (not from members that predate it). */
  peerVersion?(peer: string, announced: { version: string; dataFormat: number }): void;
  readLatestSnapshot(): Promise<{ meta: SnapshotMeta; data: Uint8Array } | undefined>;
  /** Whether `id` is a member this one may hear from (see FleetNode.knowsPeer). */
  knowsPeer(id: string): boolean;
  /** The current term and its leader as this member knows them. */
  leadership(): { term: number; leader: string };
}

/** The cluster's id: known from bootstrap, or learned (once) by a member that joined. */
export interface ClusterIdentity {
  current(): string | undefined;
  adopt(id: string): void;
}

export interface PeerTransportOptions {
  readonly selfId: string;
  /** Where this member listens, announced to peers. */
  readonly selfAddress: string;
  /** This member's zone and region, announced with its address. */
  readonly selfPlacement?: { readonly zone: string; readonly region: string; readonly readReplica?: boolean };
  /** This member's fleet version and data format, announced with its address. */
  readonly selfVersion?: { readonly version: string; readonly dataFormat: number };
  readonly clusterName: string;
  readonly clusterId: ClusterIdentity;
  readonly credentials: grpc.ChannelCredentials;
  /** Channel options for a peer's channel (TLS names), on top of the transport's own. */
  readonly channelOptionsFor?: ((peerId: string) => grpc.ChannelOptions) | undefined;
  /** What peers must present to this member, and what it presents to them. */
  readonly peerCredentials: PeerCredentials;
  readonly snapshotSpool: SnapshotSpool;
  readonly logger: NodeLogger;
  /** The wall clock handshakes are stamped and checked with (Date.now; shifted only by the test-only --unsafe-clock-offset). */
  readonly wallNow?: () => number;
  /**
   * How to reach a peer's framed stream (peer-frames.ts). Given, this member says it serves that
   * stream (its port must route FRAMED_PATH to `serveFramed`) and sends over it to every peer that
   * says the same; without it, over the gRPC Peer service only.
   */
  readonly framedDial?: ((peerId: string, address: string) => FramedDial) | undefined;
}

/**
 * The receive window of an HTTP/2 session that carries an authenticated peer's framed streams, for
 * the session and each stream (HTTP/2's default is 64 KiB). With the default, a leader under
 * check perf --load m beside two CPU burners held up to 540 KiB of appends unsent in one stream,
 * waiting on window updates from a follower whose loop turned a few times a second: its
 * heartbeats queued behind them, and the follower took the leader for gone. A member reads its
 * peers' frames as they come; the window only says how much may be on the way meanwhile.
 */
const PEER_WINDOW_BYTES = 8 << 20;
const widened = new WeakSet<http2.Http2Session>();

/** Gives `session` the peer window, once (a SETTINGS change reaches its streams already open too). */
function widenReceiveWindow(session: http2.Http2Session | undefined): void {
  if (session === undefined || session.destroyed || widened.has(session)) return;
  widened.add(session);
  session.setLocalWindowSize(PEER_WINDOW_BYTES);
  session.settings({ initialWindowSize: PEER_WINDOW_BYTES });
}

/** How often a warning that repeats per message or stream may be logged again, per peer. */
const WARNING_INTERVAL_MS = 60_000;

/** Reconnect fast: a restarted peer must be reachable again within a heartbeat or two, not after gRPC's default back-off of up to two minutes. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.min_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.max_receive_message_length': 64 << 20,
  // Each peer's channel keeps its own connection state, so that `redialIfDown` gets a fresh one
  // (in the shared pool a new channel would inherit the old one's back-off).
  'grpc.use_local_subchannel_pool': 1,
};

interface PeerLink {
  address: string;
  /**
   * The gRPC Peer service's client, dialled when needed: the batches of a member's first stream (before
   * the peer said it serves the framed one), and batches and snapshots to a peer that does not. It is
   * closed once the framed stream was admitted, so that an idle member holds no channel to its peers.
   */
  client: PeerClient | undefined;
  stream: grpc.ClientWritableStream<PeerBatch> | undefined;
  /** The framed stream, once the peer said it serves one. */
  framed: FramedLink | undefined;
}

/** What a refused stream is answered with, by the protocol it came in on. */
type Answer = (code: grpc.status, details: string) => void;

/**
 * Raft messages between members over one long-lived stream per peer and direction: each send is
 * one batch per peer. To a peer that says it serves the framed stream (peer-frames.ts), over that;
 * to one that does not (a member of an earlier release, during a rolling upgrade), over the gRPC
 * Peer service; snapshots likewise (framed-snapshot.ts). Delivery is best effort — a broken stream drops
 * what was in it and is reopened on the next send; Raft retransmits what matters.
 */
export class PeerTransport implements PeerSender {
  private readonly links = new Map<string, PeerLink>();
  /** What each peer said of the framed stream in the first batch of its latest stream to this member. */
  private readonly framedPeers = new Map<string, boolean>();
  /** Streams from each peer that have carried a batch and not ended, whichever their protocol. */
  private readonly liveStreams = new Map<string, number>();
  /** Warnings that repeat per message or per stream, per peer: one line per interval each. */
  private readonly warnings = new RepeatedWarnings(WARNING_INTERVAL_MS);
  private endpoint: PeerEndpoint | undefined;
  private readonly authenticator: PeerAuthenticator;
  /** Peers refused, by reason: logged once per source and interval, counted always (fleet_peer_rejected_total). */
  readonly rejections: RejectionLog;
  /** Peer streams refused recently, either way: why this member may be cut off, for its status. */
  readonly trouble = new PeerTrouble();
  /** Drill hook: peers whose traffic is dropped in both directions (a simulated partition). */
  readonly blocked = new Set<string>();
  /** Drill hook: what this member sends to each peer is delayed (an emulated WAN link, one direction). */
  readonly delays = new LinkDelays();

  constructor(private readonly opts: PeerTransportOptions) {
    this.authenticator = new PeerAuthenticator(opts.selfId, opts.clusterName, opts.peerCredentials, opts.wallNow);
    this.rejections = new RejectionLog(opts.logger);
  }

  attach(endpoint: PeerEndpoint): void {
    this.endpoint = endpoint;
  }

  setPeers(peers: ReadonlyMap<string, string>): void {
    for (const [id, link] of this.links) {
      if (peers.get(id) !== link.address) {
        closeLink(link);
        this.links.delete(id);
      }
    }
    for (const [id, address] of peers) {
      if (this.links.has(id) || !address) continue;
      this.links.set(id, { address, client: undefined, stream: undefined, framed: undefined });
    }
  }

  /** The link's gRPC client, dialled if it has none. */
  private grpcClient(id: string, link: PeerLink): PeerClient {
    const options = { ...CHANNEL_OPTIONS, ...this.opts.channelOptionsFor?.(id) };
    return (link.client ??= new (loadFleetProto().fleet.v1.Peer)(link.address, this.opts.credentials, options));
  }

  /** Whether `to` is sent to over the framed stream (it said it serves one, and so does this member). */
  private framedTo(to: string): boolean {
    return this.opts.framedDial !== undefined && this.framedPeers.get(to) === true;
  }

  /**
   * Opens a stream to every peer with an empty batch (the announcement every first batch
   * carries): a member that has just started tells its peers it is up, and a leader that was
   * waiting out a reconnect back-off to it dials it at once (`redialIfDown`) instead of up to
   * 500 ms later, so its catch-up starts at once.
   */
  announce(): void {
    for (const [id, link] of this.links) if (!this.blocked.has(id) && !link.stream && !link.framed?.open) this.sendBatch(id, []);
  }

  /** A peer that has just opened a stream to this member is up: a channel to it waiting out a back-off is dialled again now. */
  private redialIfDown(id: string): void {
    const link = this.links.get(id);
    link?.framed?.redial();
    if (link?.client === undefined || link.client.getChannel().getConnectivityState(false) !== grpc.connectivityState.TRANSIENT_FAILURE) return;
    link.stream?.end();
    link.stream = undefined;
    link.client.close();
    link.client = undefined;
    this.grpcClient(id, link).getChannel().getConnectivityState(true);
  }

  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      if (this.blocked.has(m.to) || this.delays.drops(m.to)) continue;
      if (m.type === 'snap') {
        if (!this.delays.schedule(m.to, () => void this.sendSnapshot(m))) void this.sendSnapshot(m);
        continue;
      }
      let list = byPeer.get(m.to);
      if (!list) byPeer.set(m.to, (list = []));
      list.push(m);
    }
    for (const [to, list] of byPeer) if (!this.delays.schedule(to, () => this.sendBatch(to, list))) this.sendBatch(to, list);
  }

  private sendBatch(to: string, messages: Message[]): void {
    const link = this.links.get(to);
    if (!link) return;
    const dial = this.opts.framedDial;
    if (dial !== undefined && this.framedTo(to)) return this.sendFramed(to, link, dial, messages);
    if (link.framed !== undefined) {
      link.framed.close();
      link.framed = undefined;
    }
    const opening = !link.stream;
    if (!link.stream) link.stream = this.openStream(to, link);
    link.stream.write(this.batchOf(messages, opening));
  }

  private sendFramed(to: string, link: PeerLink, dial: (peerId: string, address: string) => FramedDial, messages: Message[]): void {
    const framed = (link.framed ??= new FramedLink(dial(to, link.address), {
      // The gRPC stream it replaces ends only now: the peer takes a stream from this member that
      // ends while another is live for no disconnection (and its leader for no reason to campaign).
      admitted: () => {
        const replaced = link.stream;
        link.stream = undefined;
        if (replaced === undefined) return closeClient(link);
        // The client goes once the replaced stream has ended (its callback): closed now, the
        // stream could be cut off, and its peer would see a disconnection.
        replaced.end();
      },
      unreachable: (detail) => {
        this.opts.logger.debug({ peer: to, err: detail }, 'framed stream to peer closed');
        this.endpoint?.reportUnreachable(to);
      },
      refused: (status, detail) => {
        this.warn(`refused:${to}`, { peer: to, status, err: detail }, 'a peer refused this member');
        this.trouble.refusedUs(to, detail);
        this.endpoint?.reportUnreachable(to);
      },
      notFramed: (status) => {
        // It said it serves the stream, and something else answered: back to gRPC until it says so again.
        this.opts.logger.warn({ peer: to, status }, 'a peer does not serve the framed stream it announced; sending to it over gRPC');
        this.framedPeers.set(to, false);
        this.endpoint?.reportUnreachable(to);
      },
    }));
    // messageToWire writes every integer as a number: the codec's input, as the gRPC service's serializer (the same codec) takes it.
    framed.send(encodePeerBatch(this.batchOf(messages, !framed.open) as PeerBatchIn), () => this.handshake(to).toHttp2Headers());
  }

  /** A batch of `messages`; the first of a stream says who and where this member is. */
  private batchOf(messages: readonly Message[], opening: boolean): PeerBatch {
    const placement = this.opts.selfPlacement;
    const announce = opening ? { fromAddress: this.opts.selfAddress, clusterId: this.opts.clusterId.current() ?? '', fromZone: placement?.zone ?? '', fromRegion: placement?.region ?? '', fromReadReplica: placement?.readReplica === true, fromVersion: this.opts.selfVersion?.version ?? '', fromDataFormat: this.opts.selfVersion?.dataFormat ?? 0, fromFramed: this.opts.framedDial !== undefined } : {};
    return { cluster: this.opts.clusterName, from: this.opts.selfId, ...announce, messages: messages.map(messageToWire) };
  }

  /** Logs a warning that may repeat per message or stream: the first, then one line per interval with the count held back. */
  private warn(key: string, fields: Record<string, unknown>, message: string): void {
    const logged = this.warnings.take(key);
    if (logged !== undefined) this.opts.logger.warn(logged.held === 0 ? fields : { ...fields, held: logged.held }, withHeld(message, logged.held, WARNING_INTERVAL_MS));
  }

  /** The credentials a stream to `to` opens with (the TLS certificate, if any, is the channel's). */
  private handshake(to: string): grpc.Metadata {
    return signHandshake(this.opts.peerCredentials.secret, this.opts.clusterName, this.opts.selfId, to, (this.opts.wallNow ?? Date.now)());
  }

  private openStream(to: string, link: PeerLink): grpc.ClientWritableStream<PeerBatch> {
    const stream = this.grpcClient(to, link).replicate(this.handshake(to), (err) => {
      if (link.stream === stream) link.stream = undefined;
      if (link.stream === undefined && link.framed?.open === true) closeClient(link);
      if (err && err.code !== grpc.status.CANCELLED) {
        const refused = isRefusal(err.code);
        if (!refused) this.opts.logger.debug({ peer: to, code: err.code, err: err.details }, 'replication stream to peer closed');
        else this.warn(`refused:${to}`, { peer: to, code: err.code, err: err.details }, 'a peer refused this member');
        if (refused) this.trouble.refusedUs(to, err.details);
        this.endpoint?.reportUnreachable(to);
      }
    });
    stream.on('error', () => {
      if (link.stream === stream) link.stream = undefined;
    });
    return stream;
  }

  /** Streams our newest snapshot to `m.to`, framed or over gRPC as its batches go; the message's metadata is replaced by the file's. */
  private async sendSnapshot(m: Message): Promise<void> {
    const link = this.links.get(m.to);
    const snap = await this.endpoint?.readLatestSnapshot();
    if (!link || !snap) {
      this.endpoint?.reportSnapshot(m.to, false);
      return;
    }
    this.opts.logger.info({ peer: m.to, index: snap.meta.index, bytes: snap.data.length, framed: this.framedTo(m.to) }, 'sending a snapshot to a follower');
    const message = { ...messageToWire(m), snapshot: metaToWire(snap.meta) };
    const dial = this.opts.framedDial;
    const outcome =
      dial !== undefined && this.framedTo(m.to)
        ? await sendFramedSnapshot(dial(m.to, link.address), this.handshake(m.to).toHttp2Headers(), encodePeerBatch(this.snapshotHead(message) as PeerBatchIn), snap.data)
        : await this.sendGrpcSnapshot(m.to, link, message, snap.data);
    if (!outcome.ok) {
      this.warn(`snapshot:${m.to}`, { peer: m.to, err: outcome.detail }, outcome.refused ? 'a peer refused this member\'s snapshot' : 'snapshot transfer failed');
      if (outcome.refused) this.trouble.refusedUs(m.to, outcome.detail);
    }
    this.endpoint?.reportSnapshot(m.to, outcome.ok);
  }

  /** The framed snapshot's head: the batch form, with the one `snap` message. */
  private snapshotHead(message: ReturnType<typeof messageToWire>): PeerBatch {
    return { cluster: this.opts.clusterName, from: this.opts.selfId, clusterId: this.opts.clusterId.current() ?? '', messages: [message] };
  }

  /** The gRPC Peer service's InstallSnapshot, for a peer that does not serve the framed path. */
  private sendGrpcSnapshot(to: string, link: PeerLink, message: ReturnType<typeof messageToWire>, data: Uint8Array): Promise<SnapshotOutcome> {
    return new Promise((resolve) => {
      const call = this.grpcClient(to, link).installSnapshot(this.handshake(to), (err) => {
        resolve(err ? { ok: false, refused: isRefusal(err.code), detail: err.details } : { ok: true });
      });
      const clusterId = this.opts.clusterId.current() ?? '';
      for (let off = 0; off < data.length || off === 0; off += SNAPSHOT_CHUNK) {
        const chunk = data.subarray(off, off + SNAPSHOT_CHUNK);
        const done = off + SNAPSHOT_CHUNK >= data.length;
        call.write({ cluster: this.opts.clusterName, ...(off === 0 ? { message, clusterId } : {}), data: chunk, done });
        if (done) break;
      }
      call.end();
    });
  }

  /** The server side of the Peer service: authenticates each stream, then steps what it carries. */
  handlers(): PeerHandlers {
    return {
      Replicate: (call, callback) => this.serveReplicate(call, callback),
      InstallSnapshot: (call, callback) => this.serveSnapshot(call, callback),
    };
  }

  /** The member a stream proves it is, or undefined after refusing it. */
  private authenticate(metadata: grpc.Metadata, certificate: PeerCertificate | undefined, refuse: (r: PeerRejection, claimed: string) => void): string | undefined {
    const auth = this.authenticator.authenticate({ metadata, certificate });
    if ('id' in auth) return auth.id;
    refuse(auth, claimedId(metadata));
    return undefined;
  }

  /** Refuses a stream from `source`: logged (rate-limited), counted, answered once; nothing it carried was stepped. */
  private refuser(source: string, answer: Answer): (r: PeerRejection, claimed: string) => void {
    let refused = false;
    return (rejection, claimed) => {
      if (refused) return;
      refused = true;
      this.rejections.record(source, claimed, rejection);
      if (claimed !== '' && claimed !== '-') this.trouble.refusedByUs(claimed, rejection.reason, rejection.detail);
      const code = rejection.reason === 'no-credentials' || rejection.reason === 'bad-signature' ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED;
      answer(code, `peer refused (${rejection.reason}): ${rejection.detail}`);
    };
  }

  /** A gRPC call's refuser: the refusal is its status. */
  private grpcRefuser(call: grpc.ServerReadableStream<unknown, unknown>, callback: (err: Partial<grpc.StatusObject>) => void): (r: PeerRejection, claimed: string) => void {
    return this.refuser(call.getPeer(), (code, details) => callback({ code, details }));
  }

  /**
   * Why a batch from the authenticated member `id` must not be stepped, if it must not: it
   * belongs to another cluster, speaks for another member, or comes from outside the membership.
   */
  private checkBatch(id: string, batch: PeerBatch__Output, first: boolean): PeerRejection | undefined {
    if (batch.cluster !== this.opts.clusterName) return { reason: 'wrong-cluster', detail: `cluster ${batch.cluster}, not ${this.opts.clusterName}` };
    const refused = this.checkClusterId(batch.clusterId, first);
    if (refused) return refused;
    if (batch.from !== id) return { reason: 'identity-mismatch', detail: `authenticated as ${id}, speaks for ${batch.from}` };
    if (!this.endpoint?.knowsPeer(id)) return { reason: 'unknown-member', detail: `${id} is not a member of this cluster's configuration` };
    for (const m of batch.messages) {
      if (m.from !== id) return { reason: 'identity-mismatch', detail: `authenticated as ${id}, sent a message from ${m.from}` };
      if (m.to !== this.opts.selfId) return { reason: 'wrong-recipient', detail: `a message for ${m.to} reached ${this.opts.selfId}` };
    }
    return undefined;
  }

  /** The first batch (or chunk) of a stream names the cluster's id; a member that joined learns it from there. */
  private checkClusterId(given: string, first: boolean): PeerRejection | undefined {
    if (!first && given === '') return undefined;
    const own = this.opts.clusterId.current();
    if (own === undefined && given !== '') {
      this.opts.clusterId.adopt(given);
      return undefined;
    }
    return given === own ? undefined : { reason: 'wrong-cluster', detail: `cluster id ${given || '(none)'}, not ${own ?? '(unknown)'}` };
  }

  /**
   * What both protocols do with the batches of a stream the member `id` opened: each is checked,
   * then its messages stepped; the first refused ends the stream (`refuse`). `gone` is for when
   * the stream ends.
   */
  private batchesFrom(id: string, refuse: (r: PeerRejection, claimed: string) => void): { take(batch: PeerBatch__Output): boolean; gone(): void } {
    let open = true;
    let first = true;
    let spoke = false;
    const take = (batch: PeerBatch__Output): boolean => {
      if (!open) return false;
      const refused = this.checkBatch(id, batch, first);
      first = false;
      if (refused) {
        open = false;
        refuse(refused, batch.from);
        return false;
      }
      if (!spoke) {
        this.trouble.accepted(id);
        this.redialIfDown(id);
        this.liveStreams.set(id, (this.liveStreams.get(id) ?? 0) + 1);
      }
      spoke = true;
      if (this.blocked.has(id)) return true;
      if (batch.fromAddress) this.announced(id, batch);
      for (const w of batch.messages) {
        try {
          this.endpoint?.step(messageFromWire(w));
        } catch (err) {
          this.warn(`malformed:${id}`, { peer: id, err: String(err) }, 'dropping a malformed peer message');
        }
      }
      return true;
    };
    let ended = false;
    // A peer is disconnected when its last live stream ends: one replacing another is not that.
    const gone = (): void => {
      if (ended || !spoke) return;
      ended = true;
      const live = (this.liveStreams.get(id) ?? 1) - 1;
      if (live > 0) return void this.liveStreams.set(id, live);
      this.liveStreams.delete(id);
      this.endpoint?.peerDisconnected(id);
    };
    return { take, gone };
  }

  /** What a stream's first batch says of its sender: where it listens, where it runs, what it runs. */
  private announced(id: string, batch: PeerBatch__Output): void {
    this.endpoint?.peerAddress(id, batch.fromAddress);
    this.endpoint?.peerPlacement?.(id, { zone: batch.fromZone, region: batch.fromRegion, readReplica: batch.fromReadReplica });
    if (batch.fromVersion) this.endpoint?.peerVersion?.(id, { version: batch.fromVersion, dataFormat: batch.fromDataFormat || 1 });
    this.framedPeers.set(id, batch.fromFramed);
  }

  private serveReplicate(call: grpc.ServerReadableStream<PeerBatch__Output, unknown>, callback: (err: Partial<grpc.StatusObject> | null, res?: object) => void): void {
    const refuse = this.grpcRefuser(call, callback);
    const id = this.authenticate(call.metadata, call.getAuthContext()?.sslPeerCertificate, refuse);
    if (id === undefined) return;
    const batches = this.batchesFrom(id, refuse);
    let open = true;
    call.on('data', (batch: PeerBatch__Output) => {
      open = batches.take(batch) && open;
    });
    call.on('end', () => {
      batches.gone();
      if (open) callback(null, {});
    });
    call.on('error', batches.gone);
    call.on('cancelled', batches.gone);
  }

  /** The framed paths (peer-frames.ts), for a request the port routed here by its path. */
  servePeerStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    if (headers[':path'] === FRAMED_SNAPSHOT_PATH) this.serveFramedSnapshot(stream, headers);
    else this.serveFramed(stream, headers);
  }

  /**
   * A framed request's headers, authenticated before a byte of its body is read: the member it
   * proves it is, how to refuse it (the reason in REFUSED_HEADER), and how to admit it (200 with
   * FRAMED_HEADER); undefined once refused. Either answer is given once.
   */
  private framedRequest(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): { id: string; refuse: (r: PeerRejection, claimed: string) => void; admit(end: boolean): void } | undefined {
    const socket = stream.session?.socket;
    let answered = false;
    const refuse = this.refuser(`${socket?.remoteAddress ?? ''}:${socket?.remotePort ?? ''}`, (code, details) => {
      if (answered || stream.destroyed) return void stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      answered = true;
      stream.respond({ ':status': code === grpc.status.UNAUTHENTICATED ? 401 : 403, [REFUSED_HEADER]: encodeURIComponent(details) }, { endStream: true });
    });
    const admit = (end: boolean): void => {
      if (stream.destroyed) return;
      if (answered) return void (end && stream.end());
      answered = true;
      stream.respond({ ':status': 200, [FRAMED_HEADER]: '1' }, { endStream: end });
    };
    stream.on('error', () => undefined);
    const certificate = socket instanceof TLSSocket ? socket.getPeerCertificate() : undefined;
    const id = this.authenticate(grpc.Metadata.fromHttp2Headers(headers), certificate, refuse);
    if (id === undefined) return undefined;
    widenReceiveWindow(stream.session);
    return { id, refuse, admit };
  }

  /** The server side of the framed stream: admitted (answered 200) once its first batch was. */
  private serveFramed(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const request = this.framedRequest(stream, headers);
    if (request === undefined) return;
    const { id, refuse, admit } = request;
    const batches = this.batchesFrom(id, refuse);
    const reader = new FrameReader();
    stream.on('data', (chunk: Buffer) => {
      for (const bytes of reader.push(chunk)) {
        let batch: PeerBatch__Output;
        try {
          batch = decodePeerBatch(bytes);
        } catch (err) {
          return refuse({ reason: 'malformed', detail: `an undecodable batch: ${String(err)}` }, id);
        }
        if (!batches.take(batch)) return;
        admit(false);
      }
      if (reader.tooLarge !== undefined) refuse({ reason: 'malformed', detail: reader.tooLarge }, id);
    });
    stream.on('end', () => {
      batches.gone();
      admit(true);
    });
    stream.on('close', batches.gone);
  }

  /**
   * The server side of a framed snapshot: its head is checked as the gRPC one's first chunk is,
   * its chunks spooled to disk; once the request ends whole, the snapshot is stepped and the
   * request answered 200. A refusal answers at once, and the spool is discarded.
   */
  private serveFramedSnapshot(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const request = this.framedRequest(stream, headers);
    if (request === undefined) return;
    const { id, refuse, admit } = request;
    const reader = new FrameReader(MAX_SNAPSHOT_CHUNK);
    let head: RaftMessage__Output | undefined;
    let receiver: SnapshotReceiver | undefined;
    let over = false;
    const fail = (r: PeerRejection): void => {
      if (over) return;
      over = true;
      receiver?.discard();
      refuse(r, id);
    };
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      for (const bytes of reader.push(chunk)) {
        if (head === undefined) {
          const taken = this.snapshotHeadOf(id, bytes);
          if ('reason' in taken) return fail(taken);
          head = taken;
          receiver = new SnapshotReceiver(this.opts.snapshotSpool, id);
          continue;
        }
        const refused = receiver!.write(bytes);
        if (refused) return fail(refused);
      }
      if (reader.tooLarge !== undefined) fail({ reason: 'malformed', detail: reader.tooLarge });
    });
    stream.on('end', () => {
      if (over) return;
      if (head === undefined || receiver === undefined) return fail({ reason: 'malformed', detail: 'a snapshot stream without its head' });
      if (reader.midFrame) return fail({ reason: 'malformed', detail: 'the snapshot stream ended inside a frame' });
      over = true;
      const data = receiver.finish();
      if (!this.blocked.has(id)) this.endpoint?.step(messageFromWire(head, data));
      admit(true);
    });
    stream.on('close', () => {
      if (over) return;
      over = true;
      receiver?.discard();
    });
  }

  /** A framed snapshot's head frame: its `snap` message, or why it is refused. */
  private snapshotHeadOf(id: string, bytes: Buffer): RaftMessage__Output | PeerRejection {
    let batch: PeerBatch__Output;
    try {
      batch = decodePeerBatch(bytes);
    } catch (err) {
      return { reason: 'malformed', detail: `an undecodable snapshot head: ${String(err)}` };
    }
    if (batch.from !== id) return { reason: 'identity-mismatch', detail: `authenticated as ${id}, speaks for ${batch.from}` };
    if (batch.messages.length !== 1) return { reason: 'malformed', detail: `a snapshot head with ${batch.messages.length} messages` };
    const message = batch.messages[0]!;
    return this.checkSnapshotHead(id, batch.cluster, batch.clusterId, message) ?? message;
  }

  /** A snapshot is accepted only from the leader of this member's current term, within the size limit, spooled to disk. */
  private serveSnapshot(call: grpc.ServerReadableStream<SnapshotChunk__Output, unknown>, callback: (err: Partial<grpc.StatusObject> | null, res?: object) => void): void {
    const refuse = this.grpcRefuser(call, callback);
    const id = this.authenticate(call.metadata, call.getAuthContext()?.sslPeerCertificate, refuse);
    if (id === undefined) return;
    let head: SnapshotChunk__Output['message'] | undefined;
    let receiver: SnapshotReceiver | undefined;
    let failed = false;
    const fail = (r: PeerRejection) => {
      failed = true;
      receiver?.discard();
      refuse(r, head?.from ?? id);
    };
    call.on('data', (chunk: SnapshotChunk__Output) => {
      if (failed) return;
      if (!head) {
        const refused = this.checkSnapshotHead(id, chunk.cluster, chunk.clusterId, chunk.message);
        if (refused) return fail(refused);
        head = chunk.message!;
        receiver = new SnapshotReceiver(this.opts.snapshotSpool, id);
      }
      const refused = receiver!.write(chunk.data);
      if (refused) fail(refused);
    });
    call.on('end', () => {
      if (failed) return;
      if (!head || !receiver) return fail({ reason: 'malformed', detail: 'snapshot stream without a first chunk' });
      const data = receiver.finish();
      if (!this.blocked.has(id)) this.endpoint?.step(messageFromWire(head, data));
      callback(null, { installed: true });
    });
    const abandon = () => receiver?.discard();
    call.on('error', abandon);
    call.on('cancelled', abandon);
  }

  /** Why a snapshot's head (its first chunk, or its framed head) must be refused, if it must. */
  private checkSnapshotHead(id: string, cluster: string, clusterId: string, m: RaftMessage__Output | null): PeerRejection | undefined {
    if (!m || m.type !== 'snap' || !m.snapshot) return { reason: 'malformed', detail: 'the first snapshot chunk carries no snap message' };
    if (cluster !== this.opts.clusterName) return { reason: 'wrong-cluster', detail: `cluster ${cluster}, not ${this.opts.clusterName}` };
    const refused = this.checkClusterId(clusterId, true);
    if (refused) return refused;
    if (m.from !== id) return { reason: 'identity-mismatch', detail: `authenticated as ${id}, sends a snapshot from ${m.from}` };
    if (m.to !== this.opts.selfId) return { reason: 'wrong-recipient', detail: `a snapshot for ${m.to} reached ${this.opts.selfId}` };
    const { term, leader } = this.endpoint?.leadership() ?? { term: 0, leader: '' };
    if (leader !== id || m.term !== term) return { reason: 'snapshot-not-from-leader', detail: `${id} at term ${m.term} is not the leader of term ${term} (${leader || 'none known'})` };
    return undefined;
  }

  close(): void {
    this.rejections.close();
    this.delays.close();
    for (const link of this.links.values()) closeLink(link);
    this.links.clear();
  }
}

function closeLink(link: PeerLink): void {
  link.stream?.end();
  link.framed?.close();
  closeClient(link);
}

/** Whether a peer's gRPC status says it refused this member (its credentials), not that it failed. */
function isRefusal(code: grpc.status): boolean {
  return code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED;
}

/** Closes the link's gRPC client, if it has one; the next gRPC send dials a new one. */
function closeClient(link: PeerLink): void {
  link.client?.close();
  link.client = undefined;
}

/** The member id a refused stream claimed in its handshake, for the log line. */
function claimedId(metadata: grpc.Metadata): string {
  const value = metadata.get(PEER_ID_METADATA)[0] ?? metadata.get(PEER_AUTH_METADATA)[0];
  return typeof value === 'string' ? (value.split(' ')[0] || '-') : '-';
}
