import { Command, Flags } from '@oclif/core';
import { CliError } from '../../common/errors.js';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../common/member-process.js';
import { NODE_START_FLAGS, planNodeStart, runNodeStart, type NodeStartFlags, type NodeStartPlan } from '../../cli/node-start.js';

/** The command line fleet init runs a member with, for a unit file to copy. */
const MEMBER_LAUNCH = [...Object.entries(MEMBER_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...MEMBER_NODE_OPTIONS, '"$(command -v fleet)"', 'node start …'].join(' ');

export default class NodeStart extends Command {
  static override summary = 'Run one coordinator member in the foreground.';
  static override description = `Runs one replica of the coordinator: Raft, the fleet registry, and one gRPC port that serves the peer, client and admin APIs, the standard health service and server reflection. This is the entry point for a systemd unit or a Kubernetes StatefulSet; \`fleet init\` starts local clusters with it.

Security: beyond loopback a member needs client and admin tokens and peer credentials — a peer secret every member holds (--peer-secret-file) or mutual TLS (--tls-ca with member certificates: CN=<id>, OU=fleet-member, subject alternative names <id>.member.fleet and the address clients dial; \`fleet init --tls\` shows how they are made). Credential files readable by others are refused. With --tls-ca every client must present a certificate from that CA too.

SIGTERM hands leadership to a healthy member first, then stops cleanly, within 5 seconds whatever it waits on (without a quorum, the hand-off is skipped or cut short); a second SIGTERM or SIGINT exits at once. Nothing acknowledged is lost on SIGKILL: writes are acknowledged only once a quorum has them on disk.

A full disk (ENOSPC, EDQUOT) is not fatal: the member stops appending (it acknowledges nothing it has not stored, and a leader hands leadership to a caught-up voter), keeps running and serving the reads it can, shows storage out-of-space in \`fleet status\` and fleet_storage_out_of_space in its metrics, and resumes by itself once space is freed. A failed fsync or any other disk error stops it at once with status 1.

Start it the way \`fleet init\` does, for the memory and latency the README quotes: ${MEMBER_LAUNCH}.`;
  static override examples = [
    '<%= config.bin %> node start --id n1 --data-dir /var/lib/fleet/n1 --listen 127.0.0.1:7781 --peers n1=127.0.0.1:7781,n2=127.0.0.1:7782,n3=127.0.0.1:7783',
    '<%= config.bin %> node start --id n4 --data-dir /var/lib/fleet/n4 --listen 10.0.0.4:7781 --join --token-file /etc/fleet/token --admin-token-file /etc/fleet/admin-token --peer-secret-file /etc/fleet/peer.secret',
    '<%= config.bin %> node start --id n1 --data-dir /var/lib/fleet/n1 --listen 10.0.0.1:7781 --peers n1=10.0.0.1:7781,n2=10.0.0.2:7781,n3=10.0.0.3:7781 --token-file /etc/fleet/token --admin-token-file /etc/fleet/admin-token --tls-cert /etc/fleet/member-n1.crt --tls-key /etc/fleet/member-n1.key --tls-ca /etc/fleet/ca.crt',
    '<%= config.bin %> node start --id n1 --data-dir /var/lib/fleet/n1 --listen 127.0.0.1:7781 --peers n1=127.0.0.1:7781 --backup-dir /backups/fleet --backup-every 1h --backup-keep 24',
  ];

  static override flags = Object.fromEntries(
    Object.entries(NODE_START_FLAGS).map(([name, spec]) => {
      const common = { description: spec.description, required: spec.required === true, hidden: spec.hidden === true };
      if (spec.type === 'boolean') return [name, Flags.boolean({ ...common, default: spec.default === true, allowNo: 'allowNo' in spec && spec.allowNo === true })];
      if (spec.type === 'integer') return [name, Flags.integer({ ...common, min: 1, ...(typeof spec.default === 'number' ? { default: spec.default } : {}) })];
      return [name, Flags.string({ ...common, ...(typeof spec.default === 'string' ? { default: spec.default } : {}) })];
    }),
  );

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeStart);
    let plan: NodeStartPlan;
    try {
      plan = await planNodeStart(flags as NodeStartFlags, this.config.version);
    } catch (err) {
      // Bad flag values (addresses, durations, secrets) are usage errors.
      this.error(err instanceof Error ? err.message : String(err), { exit: err instanceof CliError ? err.exitCode : 2 });
    }
    await runNodeStart(plan);
  }
}

