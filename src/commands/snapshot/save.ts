import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand } from '../../cli/base-command.js';
import type { SavedSnapshot } from '../../client/engine.js';

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

  async run(): Promise<SavedSnapshot> {
    const { args, flags } = await this.parse(SnapshotSave);
    const engine = await this.engine({ admin: true });
    const info = await engine.saveSnapshot(resolve(args.file), { fresh: !flags['on-disk'], from: flags.from });
    this.log(savedLine(info, flags['on-disk']));
    return info;
  }
}

/** What was saved: fleet's snapshot by its index and term; etcd's (which reports neither) by its checked hash and source. */
function savedLine(info: SavedSnapshot, onDisk: boolean): string {
  if (info.sha256 !== undefined) return `saved an etcd snapshot from ${info.endpoint}: ${info.bytes} bytes, sha256 ${info.sha256} checked, to ${info.path}`;
  const what = onDisk ? 'the newest snapshot on disk' : 'a snapshot of everything committed';
  return `saved ${what}: index ${info.index} (term ${info.term}), ${info.bytes} bytes, to ${info.path}`;
}
