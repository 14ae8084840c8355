import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand } from '../../cli/base-command.js';
import type { SnapshotInfo } from '../../client/index.js';

export default class SnapshotSave extends FleetCommand {
  static override summary = 'Stream a snapshot of the registry from the leader into a local file.';
  static override description = `Downloads the leader's newest snapshot (with --fresh, one taken now) and writes it atomically: FILE appears only once every byte arrived. Keep it for disaster recovery: \`fleet snapshot inspect FILE\` shows what it holds, \`fleet snapshot restore FILE\` seeds a new member with it.`;
  static override examples = ['<%= config.bin %> snapshot save backup.snap', '<%= config.bin %> snapshot save /backups/fleet-$(date +%F).snap --fresh --json'];
  static override args = { file: Args.string({ description: 'where to write the snapshot', required: true }) };
  static override flags = {
    fresh: Flags.boolean({ description: 'take a new snapshot first instead of sending the newest on disk', default: false }),
    from: Flags.string({ description: 'download from this member (host:port) instead of the leader', helpValue: '<host:port>' }),
  };

  async run(): Promise<SnapshotInfo> {
    const { args, flags } = await this.parse(SnapshotSave);
    const client = await this.client({ admin: true });
    const file = resolve(args.file);
    const info = await client.downloadSnapshot(file, { fresh: flags.fresh, ...(flags.from ? { endpoint: flags.from } : {}) });
    this.log(`saved snapshot at index ${info.index} (term ${info.term}), ${info.bytes} bytes, to ${info.path}`);
    return info;
  }
}
