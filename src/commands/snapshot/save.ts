import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand } from '../../cli/base-command.js';
import type { SnapshotInfo } from '../../client/index.js';

export default class SnapshotSave extends FleetCommand {
  static override summary = 'Stream a snapshot of the registry from the leader into a local file.';
  static override description = `Has the leader take a snapshot now and downloads it, so the file holds everything committed when the command was run (with --on-disk, the newest snapshot already on disk instead: quicker on a large registry, but it may miss the latest writes). Writes it atomically: FILE appears only once every byte arrived, and the command prints the index and term it holds. Keep it for disaster recovery: \`fleet snapshot inspect FILE\` shows what it holds, \`fleet snapshot restore FILE\` seeds a new member with it.`;
  static override examples = ['<%= config.bin %> snapshot save backup.snap', '<%= config.bin %> snapshot save /backups/fleet-$(date +%F).snap --json', '<%= config.bin %> snapshot save quick.snap --on-disk'];
  static override args = { file: Args.string({ description: 'where to write the snapshot', required: true }) };
  static override flags = {
    'on-disk': Flags.boolean({ description: 'send the newest snapshot already on disk, which may miss the latest writes, instead of taking one now', default: false }),
    // Taking one now became the default; kept so that scripts written for it still run.
    fresh: Flags.boolean({ description: 'take a new snapshot first (the default)', default: false, hidden: true, exclusive: ['on-disk'] }),
    from: Flags.string({ description: 'download from this member (host:port) instead of the leader', helpValue: '<host:port>' }),
  };

  async run(): Promise<SnapshotInfo> {
    const { args, flags } = await this.parse(SnapshotSave);
    const file = resolve(args.file);
    if (await this.isEtcd()) return this.etcd(file, flags.from);
    const client = await this.client({ admin: true });
    const info = await client.downloadSnapshot(file, { fresh: !flags['on-disk'], ...(flags.from ? { endpoint: flags.from } : {}) });
    const what = flags['on-disk'] ? 'the newest snapshot on disk' : 'a snapshot of everything committed';
    this.log(`saved ${what}: index ${info.index} (term ${info.term}), ${info.bytes} bytes, to ${info.path}`);
    return info;
  }

  /** etcd: Maintenance.Snapshot from the leader (or --from), saved as etcdctl saves it, its trailing sha256 checked. */
  async etcd(file: string, from: string | undefined): Promise<SnapshotInfo> {
    const client = await this.etcdClient();
    const { snapshotSource } = await import('../../ops/etcd/admin.js');
    const source = from ?? snapshotSource(await this.etcdStatusModel(client));
    const r = await client.snapshot(source, file);
    this.log(`saved an etcd snapshot from ${source}: ${r.bytes} bytes, sha256 ${r.sha256} checked, to ${file}`);
    return { path: file, bytes: r.bytes, sha256: r.sha256, endpoint: source } as unknown as SnapshotInfo;
  }
}
