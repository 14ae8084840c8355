import { Args, Flags } from '@oclif/core';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { memberIdFlag } from '../../cli/flags.js';
import { CliError } from '../../common/errors.js';
import { dryRunFlag, forceFlag } from '../../cli/safety-gate.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';
import type { RestoreResult } from '../../core/server/admin/snapshot-offline.js';
import { isLoopbackAddress, parseHostPort } from '../../common/addresses.js';

/** Where the start command printed after a restore listens when --listen is not given. */
const DEFAULT_LISTEN = '127.0.0.1:7781';

export default class SnapshotRestore extends FleetCommand {
  static override summary = 'Seed a new data dir with a snapshot (offline disaster recovery).';
  static override description = `Writes the snapshot into DIR (which must be new or empty) as member ID of a new single-member cluster: the snapshot's old membership is replaced by ID alone. Then start the member and grow the cluster again:

  fleet node start --id ID --data-dir DIR --listen HOST:PORT --peers ID=HOST:PORT \\
    --token-file FILE --admin-token-file FILE --peer-secret-file FILE   # beyond loopback
  fleet members add n2 HOST2:PORT --learner     # then start n2 with --join, and
  fleet members promote n2                      # once it has caught up

Every other member must start from an empty data dir (with --join): never from the old cluster's data.

The safety gate previews the restore (the snapshot's membership before, one member after) and refuses (exit 4) a data dir that is not empty, and — unless --force — an address given with --listen where something already answers (a member of the old cluster still running?). --dry-run prints the preview and writes nothing.`;
  static override examples = [
    '<%= config.bin %> snapshot restore backup.snap --data-dir /var/lib/fleet/n1 --id n1',
    '<%= config.bin %> snapshot restore backup.snap --data-dir ./n1 --id n1 --listen 127.0.0.1:7781 --dry-run',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { file: Args.string({ description: 'the snapshot file', required: true }) };
  static override flags = {
    'data-dir': Flags.string({ description: 'the new member\'s data dir (must be empty)', required: true, helpValue: '<dir>' }),
    id: memberIdFlag({ description: 'the new member\'s id', required: true }),
    listen: Flags.string({ description: `the address the member will listen on: checked to be free, and used in the start command printed (default ${DEFAULT_LISTEN}, unchecked)`, helpValue: '<host:port>' }),
    force: forceFlag('restore although something answers at --listen'),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<(RestoreResult & { startCommand: string }) | PreviewDocument> {
    const { args, flags } = await this.parse(SnapshotRestore);
    const dataDir = resolve(flags['data-dir']);
    const [{ readSnapshot, restoreSnapshot }, { previewRestore }, { addressAnswers }, { passGate }] = await Promise.all([
      import('../../core/server/admin/snapshot-offline.js'),
      import('../../ops/safety/gate.js'),
      import('../../ops/safety/probe.js'),
      import('../../cli/safety-gate.js'),
    ]);
    const failed = (err: Error): never => {
      throw new CliError(err.message, { cause: err, code: 'RESTORE_FAILED' });
    };
    const { contents } = await readSnapshot(resolve(args.file)).catch(failed);
    const entries = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : failed(err)));
    const listen = flags.listen === undefined ? undefined : { address: flags.listen, answers: await addressAnswers(flags.listen) };
    const snapshot = { index: contents.index, term: contents.term, voters: contents.conf?.voters ?? [], learners: contents.conf?.learners ?? [] };
    const preview = previewRestore({ snapshot, id: flags.id, dataDir, dataDirEmpty: entries.length === 0, ...(listen === undefined ? {} : { listen }) });
    const dry = await passGate(this, preview, { force: flags.force, dryRun: flags['dry-run'] });
    if (dry) return dry;
    const result = await restoreSnapshot(resolve(args.file), dataDir, flags.id).catch(failed);
    const at = flags.listen ?? DEFAULT_LISTEN;
    const startCommand = startCommandFor(flags.id, dataDir, at);
    this.log(`restored index ${result.index} (term ${result.term}): ${result.counts.shards} shards, ${result.counts.clusters} clusters, ${result.counts.kvKeys} kv keys into ${dataDir}`);
    this.log(`start it with:\n  ${startCommand}`);
    return { ...result, startCommand };
  }
}

/**
 * The command that starts the restored member. A listener beyond loopback refuses to start
 * without its credentials, so the printed command names them (the files are the operator's).
 */
export function startCommandFor(id: string, dataDir: string, at: string): string {
  const start = `fleet node start --id ${id} --data-dir ${dataDir} --listen ${at} --peers ${id}=${at}`;
  let host: string;
  try {
    host = parseHostPort(at, '--listen').host;
  } catch {
    return start;
  }
  if (host === 'localhost' || isLoopbackAddress(host)) return start;
  return `${start} --token-file FILE --admin-token-file FILE --peer-secret-file FILE`;
}
