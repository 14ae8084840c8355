import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError } from '../../cli/errors.js';
import type { RestoreResult } from '../../ops/snapshot-offline.js';

export default class SnapshotRestore extends FleetCommand {
  static override summary = 'Seed a new data dir with a snapshot (offline disaster recovery).';
  static override description = `Writes the snapshot into DIR (which must be new or empty) as member ID of a new single-member cluster: the snapshot's old membership is replaced by ID alone. Then start the member and grow the cluster again:

  fleet node start --id ID --data-dir DIR --listen HOST:PORT --peers ID=HOST:PORT
  fleet members add n2 HOST2:PORT --learner     # then start n2 with --join, and
  fleet members promote n2                      # once it has caught up

Every other member must start from an empty data dir (with --join): never from the old cluster's data.`;
  static override examples = [
    '<%= config.bin %> snapshot restore backup.snap --data-dir /var/lib/fleet/n1 --id n1',
    '<%= config.bin %> snapshot restore backup.snap --data-dir ./n1 --id n1 --listen 127.0.0.1:7781',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { file: Args.string({ description: 'the snapshot file', required: true }) };
  static override flags = {
    'data-dir': Flags.string({ description: 'the new member\'s data dir (must be empty)', required: true, helpValue: '<dir>' }),
    id: Flags.string({ description: 'the new member\'s id', required: true, helpValue: '<id>' }),
    listen: Flags.string({ description: 'the address the member will listen on (only used to print the start command)', default: '127.0.0.1:7781', helpValue: '<host:port>' }),
  };

  async run(): Promise<RestoreResult & { startCommand: string }> {
    const { args, flags } = await this.parse(SnapshotRestore);
    const dataDir = resolve(flags['data-dir']);
    const { restoreSnapshot } = await import('../../ops/snapshot-offline.js');
    const result = await restoreSnapshot(resolve(args.file), dataDir, flags.id).catch((err: Error) => {
      throw new CliError(err.message, { cause: err, code: 'RESTORE_FAILED' });
    });
    const startCommand = `fleet node start --id ${flags.id} --data-dir ${dataDir} --listen ${flags.listen} --peers ${flags.id}=${flags.listen}`;
    this.log(`restored index ${result.index} (term ${result.term}): ${result.counts.shards} shards, ${result.counts.clusters} clusters, ${result.counts.kvKeys} kv keys into ${dataDir}`);
    this.log(`start it with:\n  ${startCommand}`);
    return { ...result, startCommand };
  }
}
