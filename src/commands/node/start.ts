import { Command, Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { isLoopback, parseHostPort, parsePeers } from '../../cli/addresses.js';
import { parseDuration } from '../../cli/durations.js';

export default class NodeStart extends Command {
  static override summary = 'Run one coordinator member in the foreground.';
  static override description = `Runs one replica of the coordinator: Raft, the fleet registry, and one gRPC port that serves the peer, client and admin APIs, the standard health service and server reflection. This is the entry point for a systemd unit or a Kubernetes StatefulSet; \`fleet init\` starts local clusters with it.

SIGTERM hands leadership to a healthy member first, then stops cleanly. Nothing acknowledged is lost on SIGKILL: writes are acknowledged only once a quorum has them on disk.`;
  static override examples = [
    '<%= config.bin %> node start --id n1 --data-dir /var/lib/fleet/n1 --listen 127.0.0.1:7781 --peers n1=127.0.0.1:7781,n2=127.0.0.1:7782,n3=127.0.0.1:7783',
    '<%= config.bin %> node start --id n4 --data-dir /var/lib/fleet/n4 --listen 10.0.0.4:7781 --join --token-file /etc/fleet/token --admin-token-file /etc/fleet/admin-token',
  ];

  static override flags = {
    id: Flags.string({ description: 'this member\'s id (e.g. n1)', required: true }),
    'data-dir': Flags.string({ description: 'directory for the log, snapshots and logs of this member', required: true }),
    listen: Flags.string({ description: 'host:port of the gRPC port (peer, client and admin APIs)', required: true }),
    peers: Flags.string({ description: 'founding members as ID=host:port,… (this member included)' }),
    join: Flags.boolean({ description: 'join an existing cluster (add this member with `fleet members add` first)', default: false }),
    cluster: Flags.string({ description: 'cluster name: members of another cluster are refused', default: 'fleet' }),
    'metrics-listen': Flags.string({ description: 'host:port to serve Prometheus metrics on' }),
    heartbeat: Flags.string({ description: 'leader heartbeat interval', default: '100ms' }),
    'election-timeout': Flags.string({ description: 'base election timeout (randomized up to twice this)', default: '1000ms' }),
    'snapshot-every': Flags.integer({ description: 'take a snapshot every N applied entries', default: 10_000, min: 1 }),
    'token-file': Flags.string({ description: 'file holding the bearer token clients must present' }),
    'admin-token-file': Flags.string({ description: 'file holding the bearer token admin calls must present' }),
    'tls-cert': Flags.string({ description: 'TLS certificate (PEM) for the gRPC port' }),
    'tls-key': Flags.string({ description: 'TLS private key (PEM)' }),
    'tls-ca': Flags.string({ description: 'CA bundle (PEM) to verify peers with' }),
    insecure: Flags.boolean({ description: 'allow a non-loopback listener without tokens', default: false }),
    'enable-drills': Flags.boolean({ description: 'allow fault-injection drills through the admin API', default: false }),
    'unsafe-ack-before-commit': Flags.boolean({ description: 'TEST ONLY: acknowledge writes before they commit', hidden: true, default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeStart);
    const listen = parseHostPort(flags.listen, '--listen');
    const peers = flags.peers ? parsePeers(flags.peers) : new Map<string, string>();
    if (!flags.join && !peers.has(flags.id)) this.error(`--peers must include this member (${flags.id}=${flags.listen}), or pass --join`, { exit: 2 });
    if (flags.join && peers.size > 0) this.error('--join and --peers exclude each other: a joining member learns the membership from the leader', { exit: 2 });
    const heartbeatMs = parseDuration(flags.heartbeat);
    const electionTimeoutMs = parseDuration(flags['election-timeout']);
    if (electionTimeoutMs < 2 * heartbeatMs) this.error('--election-timeout must be at least twice --heartbeat', { exit: 2 });
    const token = readSecret(flags['token-file'], '--token-file');
    const adminToken = readSecret(flags['admin-token-file'], '--admin-token-file');
    if (!isLoopback(listen.host) && (!token || !adminToken) && !flags.insecure) {
      this.error(`refusing to serve ${flags.listen} beyond this machine without --token-file and --admin-token-file; pass --insecure to accept the risk`, { exit: 2 });
    }
    if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) this.error('--tls-cert and --tls-key go together', { exit: 2 });
    const { runCoordinator } = await import('../../core/server/coordinator.js');
    await runCoordinator({
      id: flags.id,
      clusterName: flags.cluster,
      dataDir: flags['data-dir'],
      listen: flags.listen,
      founders: peers,
      metricsListen: flags['metrics-listen'] ? parseHostPort(flags['metrics-listen'], '--metrics-listen') : undefined,
      heartbeatMs,
      electionTimeoutMs,
      snapshotEvery: flags['snapshot-every'],
      token,
      adminToken,
      tls: flags['tls-cert'] ? { cert: flags['tls-cert'], key: flags['tls-key']!, ca: flags['tls-ca'] } : undefined,
      enableDrills: flags['enable-drills'],
      unsafeAckBeforeCommit: flags['unsafe-ack-before-commit'],
      version: this.config.version,
    });
  }
}

function readSecret(file: string | undefined, flag: string): string | undefined {
  if (!file) return undefined;
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (!secret) throw new Error('the file is empty');
    return secret;
  } catch (err) {
    throw new Error(`cannot read ${flag} ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
