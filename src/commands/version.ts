import { Flags } from '@oclif/core';
import { createRequire } from 'node:module';
import { FleetCommand } from '../cli/base-command.js';
import { CliError, EXIT } from '../common/errors.js';

/** Versions an operator pastes into a bug report: the CLI, the wire protocol and the runtime. */
export interface VersionInfo {
  fleet: string;
  protocol: string;
  node: string;
  platform: string;
}

/** `fleet version --cluster`: each member's version, and the cluster's as the log records it. */
export interface ClusterVersionInfo extends VersionInfo {
  members: { id: string | null; address: string; version: string | null }[];
  /** The agreed version (the lowest of the members', written by the leader); null before one was agreed or without a leader that answers. */
  cluster: { version: string; dataFormat: number } | null;
  /** More than one version runs: an upgrade in progress, or one left half-way. */
  mixed: boolean;
}

export default class Version extends FleetCommand {
  static override description = `Print the versions of fleet, its wire protocol and the Node.js runtime. With --cluster, also every member's version (as it reports it) and the cluster's version: the lowest of its members', which the leader records in the log once it has heard every member, and which gates any change of data format (see docs/operations.md, "Upgrades").`;
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json', '<%= config.bin %> version --cluster', '<%= config.bin %> version --cluster --context prod --json'];
  static override flags = {
    cluster: Flags.boolean({ description: "also show each member's version and the cluster's", default: false }),
  };

  async run(): Promise<VersionInfo | ClusterVersionInfo> {
    const { flags } = await this.parse(Version);
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    const info: VersionInfo = {
      fleet: pkg.version,
      protocol: 'fleet.v1',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    this.log(`fleet ${info.fleet} (protocol ${info.protocol}, node ${info.node}, ${info.platform})`);
    if (!flags.cluster) return info;
    const model = await this.statusModel();
    const members = model.members.map((m) => ({ id: m.id, address: m.address, version: m.version }));
    if (members.every((m) => m.version === null)) {
      throw new CliError(`no member answered at ${members.map((m) => m.address).join(', ')}`, { exitCode: EXIT.unavailable, hint: 'fleet status' });
    }
    const cluster = model.clusterVersion ?? null;
    const mixed = new Set(members.map((m) => m.version).filter((v) => v !== null)).size > 1;
    if (!this.jsonEnabled()) {
      const [{ renderTable }, palette] = await Promise.all([import('../ui/table.js'), this.palette()]);
      this.log('');
      this.log(renderTable([{ header: 'member' }, { header: 'address' }, { header: 'version' }], members.map((m) => [m.id ?? '?', m.address, m.version ?? palette.warn('unreachable')]), palette));
      this.log('');
      this.log(cluster === null ? 'cluster version: not agreed yet (the leader records it once it has heard every member)' : `cluster version ${cluster.version} (data format ${cluster.dataFormat})${mixed ? palette.warn(' · members run different versions: an upgrade in progress') : ''}`);
    }
    return { ...info, members, cluster, mixed };
  }
}
