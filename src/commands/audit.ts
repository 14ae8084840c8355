import { Flags } from '@oclif/core';
import { FleetCommand } from '../cli/base-command.js';
import { durationFlag } from '../cli/flags.js';
import type { AuditEntry } from '../client/types.js';

export default class Audit extends FleetCommand {
  static override summary = 'Who changed what, and when: the replicated audit log.';
  static override description = `Every change made through the client and admin APIs is recorded in the replicated state: registry and KV writes (not shard/cluster heartbeats or lease renewals), membership changes, leader transfers, snapshots taken or downloaded, autopilot settings, and drills (drill.start with the drill's arguments, drill.end with its verdict and headline figures, both written by the CLI that ran it). Each entry has the leader's time, the raft index, who (the name of the token presented — token files name it with a line "name: NAME" — and the user@host the CLI said it runs as), the operation with its arguments (secrets are never recorded: no tokens, and KV values appear only as their size) and the outcome.

The log keeps the last 10,000 client entries and, apart from them, the last 10,000 admin entries (membership, leadership, snapshots, prune, forced removals, plan progress), so client writes never push those out; it survives restarts and snapshots. Reading it needs the admin token. --json prints {"entries": [...]}, oldest first.`;
  static override examples = ['<%= config.bin %> audit --since 1h', '<%= config.bin %> audit --who ops-team --json'];
  static override flags = {
    since: durationFlag({ description: 'only changes within this long before now (e.g. 30m, 1h, 24h)' }),
    who: Flags.string({ description: 'only changes by this token name', helpValue: '<name>' }),
  };

  async run(): Promise<{ entries: AuditEntry[] }> {
    const { flags } = await this.parse(Audit);
    const client = await this.client({ admin: true });
    const entries = await client.audit({ ...(flags.since === undefined ? {} : { sinceMs: Date.now() - flags.since }), ...(flags.who === undefined ? {} : { who: flags.who }) });
    if (!this.jsonEnabled()) {
      const [{ renderAudit }, p] = await Promise.all([import('../ui/audit-table.js'), this.palette()]);
      this.log(renderAudit(entries, p));
    }
    return { entries };
  }
}
