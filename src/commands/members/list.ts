import { printable } from '../../common/printable.js';
import { FleetCommand } from '../../cli/base-command.js';
import { naturalCompare } from '../../ops/natural-order.js';

/** `fleet members list --json`. */
export interface MembersListResult {
  readonly leader: string | null;
  /** `zone` and `region`: as the answering member heard them announced (null when unset or unknown). */
  readonly members: ReadonlyArray<{ readonly id: string; readonly address: string; readonly voter: boolean; readonly leader: boolean; readonly zone?: string | null; readonly region?: string | null; readonly readReplica?: boolean }>;
}

export default class MembersList extends FleetCommand {
  static override summary = 'List the members of the coordinator cluster as the leader records them.';
  static override description =
    'The membership: voters, learners and read replicas (learners for good, started with --read-replica) with their addresses. For their health, lag and roles, see fleet status.';
  static override examples = ['<%= config.bin %> members list', '<%= config.bin %> members list --json'];

  async run(): Promise<MembersListResult> {
    await this.parse(MembersList);
    if (await this.isEtcd()) return this.etcd();
    const client = await this.client({ admin: true });
    const view = await client.listMembers();
    const leader = view.leaderId === '' ? null : view.leaderId;
    const members = [...view.members]
      .sort((a, b) => naturalCompare(a.id, b.id))
      .map((m) => ({ id: m.id, address: m.address, voter: m.voter, leader: m.id === leader, zone: m.zone ?? null, region: m.region ?? null, readReplica: m.readReplica === true }));
    if (!this.jsonEnabled()) {
      const [{ renderTable }, { stdoutPalette }] = await Promise.all([import('../../ui/table.js'), import('../../ui/colors.js')]);
      const p = stdoutPalette();
      // Region and zone columns only where placement is in play, as in fleet status.
      const zoned = members.some((m) => m.zone !== null);
      const regioned = members.some((m) => m.region !== null);
      const placement = (m: (typeof members)[number]) => [...(regioned ? [m.region ?? p.dim('-')] : []), ...(zoned ? [m.zone ?? p.dim('-')] : [])];
      const rows = members.map((m) => [m.leader ? p.accent(printable(m.id)) : printable(m.id), printable(m.address), ...placement(m).map(printable), kindOf(m), m.leader ? p.accent('leader') : '']);
      const headers = [...(regioned ? [{ header: 'region' }] : []), ...(zoned ? [{ header: 'zone' }] : [])];
      this.log(renderTable([{ header: 'id' }, { header: 'address' }, ...headers, { header: 'kind' }, { header: 'leader' }], rows, p));
    }
    return { leader, members };
  }

  /** etcd's membership: ids in hex as etcdctl prints them, names, URLs, learners. */
  async etcd(): Promise<MembersListResult> {
    const { listEtcdMembers } = await import('../../ops/etcd/admin.js');
    const view = await listEtcdMembers(await this.etcdClient(), this.globals.timeout);
    const members = view.members.map((m) => ({ id: m.id, name: m.name, address: m.clientUrls.join(','), peerUrls: m.peerUrls, voter: !m.learner, leader: m.id === view.leader }));
    if (!this.jsonEnabled()) {
      const [{ renderTable }, { stdoutPalette }] = await Promise.all([import('../../ui/table.js'), import('../../ui/colors.js')]);
      const p = stdoutPalette();
      const rows = members.map((m) => [m.leader ? p.accent(m.id) : m.id, m.name === '' ? p.dim('(not started)') : m.name, m.address, m.peerUrls.join(','), m.voter ? 'voter' : 'learner', m.leader ? p.accent('leader') : '']);
      this.log(renderTable([{ header: 'id' }, { header: 'name' }, { header: 'client urls' }, { header: 'peer urls' }, { header: 'kind' }, { header: 'leader' }], rows, p));
    }
    return { leader: view.leader, members };
  }
}

/** What the kind column says: a read replica is a learner that is never promoted. */
function kindOf(m: { readonly voter: boolean; readonly readReplica?: boolean }): string {
  if (m.voter) return 'voter';
  return m.readReplica ? 'replica' : 'learner';
}
