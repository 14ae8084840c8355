import { Flags } from '@oclif/core';
import { printable } from '../../common/printable.js';
import { FleetCommand } from '../../cli/base-command.js';
import type { ListedMember, MemberListing } from '../../client/engine.js';
import type { FleetEngine } from '../../client/fleet-engine.js';
import type { Palette } from '../../ui/colors.js';

/** `fleet members list --json`. */
export type MembersListResult = MemberListing;

export default class MembersList extends FleetCommand {
  static override summary = 'List the members of the coordinator cluster as the leader records them.';
  static override description =
    'The membership: voters, learners and read replicas (learners for good, started with --read-replica) with their addresses. For their health, lag and roles, see fleet status.\n\nWith --watch (a fleet cluster), the table again, under the time, each time the members, their kinds or the leader change, as a member streams them (Admin.WatchMembers; another member takes over if it goes away), until Ctrl-C (exit 0); with --json, one JSON document per line, one per change. It gives up when no member answers within --timeout (exit 3).';
  static override examples = ['<%= config.bin %> members list', '<%= config.bin %> members list --json', '<%= config.bin %> members list --watch'];
  static override flags = {
    watch: Flags.boolean({ description: 'print the membership again at each change of members, kinds or leader, until Ctrl-C (--json: one line per change)' }),
  };

  async run(): Promise<MembersListResult | undefined> {
    const { flags } = await this.parse(MembersList);
    if (flags.watch) return this.watch();
    const { leader, members } = await (await this.engine({ admin: true })).listMembers();
    await this.print({ leader, members });
    return { leader, members };
  }

  /** Prints the listing as a table (nothing with --json: oclif prints what run() returns). */
  async print(listing: MemberListing): Promise<void> {
    if (this.jsonEnabled()) return;
    const [{ renderTable }, { stdoutPalette }] = await Promise.all([import('../../ui/table.js'), import('../../ui/colors.js')]);
    const p = stdoutPalette();
    // etcd's members carry names and peer URLs, and show them as etcdctl does.
    const { headers, rows } = listing.members.some((m) => m.name !== undefined) ? etcdTable(listing.members, p) : fleetTable(listing.members, p);
    this.log(renderTable(headers, rows, p));
  }

  /** `--watch`: each change of the membership, until Ctrl-C; a reopened stream's first listing is shown only if it differs. */
  async watch(): Promise<undefined> {
    const engine = await this.engine({ admin: true });
    this.refuseOnEtcd(engine, { '--watch': true });
    const { client } = engine as FleetEngine;
    const [{ memberListing }, { membersFromWire }, p] = await Promise.all([import('../../client/fleet-engine.js'), import('../../client/queries.js'), this.palette()]);
    const stop = new AbortController();
    const end = (): void => stop.abort();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    try {
      let shown = '';
      for await (const answer of client.admin.stream('WatchMembers', {}, { signal: stop.signal, reopen: true })) {
        const listing = memberListing(membersFromWire(answer));
        const line = JSON.stringify(listing);
        if (line === shown) continue;
        shown = line;
        if (this.jsonEnabled()) process.stdout.write(`${line}\n`);
        else this.log(p.dim(new Date().toISOString()));
        await this.print(listing);
      }
    } finally {
      process.removeListener('SIGINT', end);
      process.removeListener('SIGTERM', end);
    }
    return undefined;
  }
}

interface Table {
  readonly headers: { header: string }[];
  readonly rows: string[][];
}

/** Region and zone columns only where placement is in play, as in fleet status. */
function fleetTable(members: readonly ListedMember[], p: Palette): Table {
  const zoned = members.some((m) => m.zone !== null && m.zone !== undefined);
  const regioned = members.some((m) => m.region !== null && m.region !== undefined);
  const placement = (m: ListedMember) => [...(regioned ? [m.region ?? p.dim('-')] : []), ...(zoned ? [m.zone ?? p.dim('-')] : [])];
  const rows = members.map((m) => [m.leader ? p.accent(printable(m.id)) : printable(m.id), printable(m.address), ...placement(m).map(printable), kindOf(m), m.leader ? p.accent('leader') : '']);
  const headers = [...(regioned ? [{ header: 'region' }] : []), ...(zoned ? [{ header: 'zone' }] : [])];
  return { headers: [{ header: 'id' }, { header: 'address' }, ...headers, { header: 'kind' }, { header: 'leader' }], rows };
}

/** etcd's membership: ids in hex as etcdctl prints them, names (none until started), client and peer URLs. */
function etcdTable(members: readonly ListedMember[], p: Palette): Table {
  const rows = members.map((m) => [m.leader ? p.accent(m.id) : m.id, m.name === '' ? p.dim('(not started)') : (m.name ?? ''), m.address, (m.peerUrls ?? []).join(','), m.voter ? 'voter' : 'learner', m.leader ? p.accent('leader') : '']);
  return { headers: [{ header: 'id' }, { header: 'name' }, { header: 'client urls' }, { header: 'peer urls' }, { header: 'kind' }, { header: 'leader' }], rows };
}

/** What the kind column says: a read replica is a learner that is never promoted. */
function kindOf(m: { readonly voter: boolean; readonly readReplica?: boolean }): string {
  if (m.voter) return 'voter';
  return m.readReplica ? 'replica' : 'learner';
}
