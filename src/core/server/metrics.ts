import { statfsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackupStatus, MemberStatus } from '../node/api.js';
import type { NodeObserver } from '../node/fleet-node.js';
import { answerClientError, timeoutChecksEvery } from './guard/http-client-errors.js';
import type { LimitRefusals } from './guard/limit-refusals.js';

const ROLES = ['leader', 'follower', 'candidate', 'pre-candidate', 'learner'] as const;

/** What the metrics port holds at most: connections at once, and how long one may sit idle. */
export interface MetricsPortLimits {
  readonly maxConnections: number;
  readonly idleMs: number;
}

/** A scraper or two and an operator's curl need a few connections; a scrape takes milliseconds. */
export const METRICS_PORT_LIMITS: MetricsPortLimits = { maxConnections: 64, idleMs: 10_000 };

/**
 * The member's Prometheus metrics. Gauges that mirror the member's status are refreshed from
 * `status()` at scrape time, so they are never stale and cost nothing between scrapes.
 */
/** Default metrics prom-client also exports as gauges named like counters. */
const LINTED_DEFAULTS = ['active_handles', 'active_requests', 'active_resources'];

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly term = this.gauge('fleet_raft_term', 'Current Raft term');
  private readonly commit = this.gauge('fleet_raft_commit_index', 'Highest log index known committed');
  private readonly applied = this.gauge('fleet_raft_applied_index', 'Highest log index applied to the registry');
  private readonly lastIndex = this.gauge('fleet_raft_last_log_index', 'Index of the last entry in the log');
  private readonly snapshotIndex = this.gauge('fleet_raft_snapshot_index', 'Index of the newest snapshot');
  private readonly isLeader = this.gauge('fleet_raft_is_leader', '1 on the leader, 0 elsewhere');
  private readonly repairing = this.gauge('fleet_storage_repairing', '1 while this member rebuilds a damaged log from the leader (it does not vote meanwhile)');
  private readonly outOfSpace = this.gauge('fleet_storage_out_of_space', '1 while the disk refuses this member\'s log writes for want of space (it appends nothing), else 0');
  private readonly leader = new Gauge({ name: 'fleet_raft_leader', help: 'The known leader (value 1, id in the label)', labelNames: ['leader'], registers: [this.registry] });
  private readonly role = new Gauge({ name: 'fleet_raft_role', help: 'This member\'s role (1 for the current role)', labelNames: ['role'], registers: [this.registry] });
  private readonly followerMatch = new Gauge({ name: 'fleet_raft_follower_match_index', help: 'A follower\'s match index, as the leader sees it', labelNames: ['follower'], registers: [this.registry] });
  private readonly followerLag = new Gauge({ name: 'fleet_raft_follower_lag_entries', help: 'Entries a follower trails the leader by', labelNames: ['follower'], registers: [this.registry] });
  private readonly committed = new Counter({ name: 'fleet_proposals_committed_total', help: 'Writes committed and applied', registers: [this.registry] });
  private readonly failed = new Counter({ name: 'fleet_proposals_failed_total', help: 'Writes refused before replication (no leader, transfer, overload)', registers: [this.registry] });
  private readonly elections = new Counter({ name: 'fleet_raft_leader_elections_total', help: 'Times this member became leader', registers: [this.registry] });
  private readonly leaderChanges = new Counter({ name: 'fleet_raft_leader_changes_total', help: 'Leader changes seen by this member', registers: [this.registry] });
  readonly fsync = new Histogram({
    name: 'fleet_storage_fsync_seconds',
    help: 'Latency of WAL fsyncs',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly apply = new Histogram({
    name: 'fleet_apply_seconds',
    help: 'Time to apply one committed entry to the registry',
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.005],
    registers: [this.registry],
  });
  /** prom-client's own `nodejs_eventloop_lag` is one sample per scrape; this sees every second. */
  private readonly loopDelay = new Histogram({
    name: 'fleet_event_loop_delay_seconds',
    help: 'The longest delay of this member\'s event loop in each second (perf_hooks monitorEventLoopDelay); past a third of the election timeout its heartbeats are late',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly snapshots = new Counter({ name: 'fleet_snapshots_total', help: 'Snapshots taken', registers: [this.registry] });
  private readonly snapshotBytes = this.gauge('fleet_snapshot_bytes', 'Size of the newest snapshot taken');
  private readonly snapshotSeconds = this.gauge('fleet_snapshot_seconds', 'Time the newest snapshot took');
  private lastLeader = '';
  private limitRefusals: LimitRefusals | undefined;
  private peerRejections: ReadonlyMap<string, number> = new Map();

  constructor(private readonly status: () => MemberStatus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'fleet_process_' });
    const repairs = () => this.status().repairsCompleted;
    new Counter({
      name: 'fleet_storage_repairs_total',
      help: 'Damaged logs this process rebuilt from the leader',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(repairs());
      },
    });
    // prom-client exports these gauges also under a `_total` name, which promtool's lint refuses
    // for anything but a counter; the same values stay under their names without the suffix.
    for (const name of LINTED_DEFAULTS) this.registry.removeSingleMetric(`fleet_process_nodejs_${name}_total`);
  }

  /**
   * The free and total bytes of the file system holding `dir` (the data dir), read at scrape
   * time: the alert rules warn before the disk fills (deploy/monitoring/fleet-alerts.yml).
   */
  trackDisk(dir: string): void {
    const read = () => {
      try {
        const fs = statfsSync(dir);
        return { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize };
      } catch {
        return undefined;
      }
    };
    new Gauge({
      name: 'fleet_storage_disk_free_bytes',
      help: 'Bytes free for this member on the file system of its data dir',
      registers: [this.registry],
      collect() {
        const d = read();
        if (d !== undefined) this.set(d.free);
      },
    });
    new Gauge({
      name: 'fleet_storage_disk_size_bytes',
      help: 'Size in bytes of the file system of this member\'s data dir',
      registers: [this.registry],
      collect() {
        const d = read();
        if (d !== undefined) this.set(d.size);
      },
    });
  }

  /** When the member's TLS certificate expires (`notAfter`, epoch ms), as `fleet_tls_certificate_expiry_timestamp_seconds`. */
  trackCertificate(notAfterMs: number): void {
    this.gauge('fleet_tls_certificate_expiry_timestamp_seconds', 'When this member\'s TLS certificate expires (Unix seconds)').set(Math.floor(notAfterMs / 1000));
  }

  /**
   * Scheduled backups, read at scrape time: attempts by outcome, when the newest good one was
   * taken and of which index, and the period (so an alert can say "stale" as "older than two").
   */
  trackBackups(status: () => BackupStatus): void {
    new Counter({
      name: 'fleet_backups_total',
      help: 'Scheduled backups this process attempted, by outcome (ok: written and verified; failed: nothing replaced)',
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        const s = status();
        this.reset();
        this.inc({ outcome: 'ok' }, s.taken);
        this.inc({ outcome: 'failed' }, s.failures);
      },
    });
    const gauge = (name: string, help: string, value: (s: BackupStatus) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const v = value(status());
          this.reset();
          if (v !== undefined) this.set(v);
        },
      });
    gauge('fleet_backup_last_success_timestamp_seconds', 'When the newest good backup in the backup directory was taken (Unix seconds)', (s) => (s.lastOk ? Date.parse(s.lastOk.at) / 1000 : undefined));
    gauge('fleet_backup_last_index', 'The log index the newest good backup holds everything up to', (s) => s.lastOk?.index);
    gauge('fleet_backup_interval_seconds', 'How often this member takes a backup (--backup-every)', (s) => s.everyMs / 1000);
    gauge('fleet_backup_failing', '1 while the newest backup attempt failed (the backups already there are kept), else 0', (s) => (s.lastError ? 1 : 0));
  }

  /** Exposes the transport's count of refused peers as `fleet_peer_rejected_total{reason}`. */
  countPeerRejections(log: { readonly counts: ReadonlyMap<string, number> }): void {
    this.peerRejections = log.counts;
    this.countsByLabel('fleet_peer_rejected_total', 'Peer streams refused (no or wrong credentials, a sender outside the membership, a snapshot not from the leader or too large), by reason', 'reason', () => this.peerRejections);
  }

  /** Exposes the request limits' refusals (request-limits.ts) as `fleet_requests_too_large_total{method}`. */
  countTooLargeRequests(log: { readonly counts: ReadonlyMap<string, number> }): void {
    this.countsByLabel('fleet_requests_too_large_total', "Calls refused because their request message was over its method's limit (docs/security.md), by method; refused before the message was read", 'method', () => log.counts);
  }

  /** Exposes the client port's closed connections (connection-limit.ts) as `fleet_connections_refused_total{reason}`. */
  countRefusedConnections(refusals: { readonly counts: ReadonlyMap<string, number> }): void {
    this.countsByLabel('fleet_connections_refused_total', 'Connections to the client port closed by a limit, by reason: member or address (its connection limit), idle (no request within the handshake window), evicted (no request yet when the member made room)', 'reason', () => refusals.counts);
  }

  /**
   * Exposes the limits' refusals that no counter above counts (limit-refusals.ts) as
   * `fleet_limit_refusals_total{limit}`, every limit from 0; the metrics port's own idle closes
   * count there too.
   */
  countLimitRefusals(refusals: LimitRefusals): void {
    this.limitRefusals = refusals;
    this.countsByLabel('fleet_limit_refusals_total', 'Refusals of a member limit (docs/security.md, "Limits"), by limit: a stream, watcher, txn, lease, quota or connection refused, cancelled, closed or held back', 'limit', () => refusals.counts);
  }

  /** A counter read at scrape time from a count per `label` value that its owner keeps. */
  private countsByLabel(name: string, help: string, label: string, counts: () => ReadonlyMap<string, number>): void {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, n] of counts()) this.inc({ [label]: value }, n);
      },
    });
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  /** Events the node reports as they happen. */
  observer(): NodeObserver {
    return {
      onRoleChange: (soft) => {
        if (soft.role === 'leader') this.elections.inc();
        if (soft.leader !== this.lastLeader) this.leaderChanges.inc();
        this.lastLeader = soft.leader;
      },
      onCommitted: (n) => this.committed.inc(n),
      onProposalFailed: (n) => this.failed.inc(n),
      onApplyLatency: (s) => this.apply.observe(s),
      onLoopDelay: (s) => this.loopDelay.observe(s),
      onSnapshot: (bytes, seconds) => {
        this.snapshots.inc();
        this.snapshotBytes.set(bytes);
        this.snapshotSeconds.set(seconds);
      },
    };
  }

  private refresh(): void {
    const st = this.status();
    this.term.set(st.term);
    this.commit.set(st.commitIndex);
    this.applied.set(st.appliedIndex);
    this.lastIndex.set(st.lastIndex);
    this.snapshotIndex.set(st.snapshotIndex);
    this.isLeader.set(st.role === 'leader' ? 1 : 0);
    this.repairing.set(st.repair ? 1 : 0);
    this.outOfSpace.set(st.storage === 'out-of-space' ? 1 : 0);
    this.leader.reset();
    if (st.leaderId) this.leader.set({ leader: st.leaderId }, 1);
    for (const r of ROLES) this.role.set({ role: r }, st.role === r ? 1 : 0);
    this.followerMatch.reset();
    this.followerLag.reset();
    for (const p of st.progress) {
      this.followerMatch.set({ follower: p.id }, p.match);
      this.followerLag.set({ follower: p.id }, p.lag);
    }
  }

  /** The scrape body in Prometheus text format. */
  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  private readonly metricsDropped = new Counter({ name: 'fleet_metrics_connections_dropped_total', help: 'Connections to the metrics port closed as they arrived: the port held its limit (METRICS_PORT_LIMITS)', registers: [this.registry] });

  /**
   * Serves `/metrics` (and `/healthz`) on `host:port`, within `limits`: the port needs no
   * credential, and 20,000 idle sockets to it once took a member to its descriptor limit.
   */
  listen(host: string, port: number, limits: MetricsPortLimits = METRICS_PORT_LIMITS): Promise<Server> {
    const server = createServer({ connectionsCheckingInterval: timeoutChecksEvery(limits.idleMs) }, (req, res) => {
      if (req.url === '/metrics') {
        this.render().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
      } else if (req.url === '/healthz') {
        res.writeHead(200);
        res.end('ok\n');
      } else {
        res.writeHead(404);
        res.end('try /metrics\n');
      }
    });
    server.maxConnections = limits.maxConnections;
    server.on('drop', () => this.metricsDropped.inc());
    // Idle sockets, including those that never send a request (headersTimeout starts at the first byte).
    // With a listener the server leaves the socket to it: it is closed here, and counted.
    // A silent socket may meet both the idle and the header timeout: it is counted once.
    server.timeout = limits.idleMs;
    const closedIdle = new WeakSet<Duplex>();
    const idle = (socket: Duplex): void => {
      if (closedIdle.has(socket)) return;
      closedIdle.add(socket);
      this.limitRefusals?.refused('metrics-idle');
    };
    server.on('timeout', (socket: Socket) => {
      idle(socket);
      socket.destroy();
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, () => idle(socket)));
    server.headersTimeout = Math.min(server.headersTimeout, limits.idleMs);
    server.requestTimeout = limits.idleMs;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}

