import { printable } from '../../common/printable.js';
import { FleetCommand } from '../../cli/base-command.js';
import type { ListedMember, MemberListing } from '../../client/engine.js';
import type { Palette } from '../../ui/colors.js';

/** `fleet members list --json`. */
export type MembersListResult = MemberListing;

export default class MembersList extends FleetCommand {
  static override summary = 'List the members of the coordinator cluster as the leader records them.';
  static override description =
    'The membership: voters, learners and read replicas (learners for good, started with --read-replica) with their addresses. For their health, lag and roles, see fleet status.';
  static override examples = ['<%= config.bin %> members list', '<%= config.bin %> members list --json'];

  async run(): Promise<MembersListResult> {
    await this.parse(MembersList);
    const { leader, members } = await (await this.engine({ admin: true })).listMembers();
    if (!this.jsonEnabled()) {
      const [{ renderTable }, { stdoutPalette }] = await Promise.all([import('../../ui/table.js'), import('../../ui/colors.js')]);
      const p = stdoutPalette();
      // etcd's members carry names and peer URLs, and show them as etcdctl does.
      const { headers, rows } = members.some((m) => m.name !== undefined) ? etcdTable(members, p) : fleetTable(members, p);
      this.log(renderTable(headers, rows, p));
    }
    return { leader, members };
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
