import { Args } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError } from '../../common/errors.js';
import type { SnapshotContents } from '../../core/server/admin/snapshot-offline.js';

export default class SnapshotInspect extends FleetCommand {
  static override summary = 'Show what a snapshot file holds: index, term, membership and registry counts.';
  static override description = 'Offline: reads the file only (a file from `fleet snapshot save`, a member\'s snap/*.snap, or a bare registry image) and checks its checksums and format.';
  static override examples = ['<%= config.bin %> snapshot inspect backup.snap', '<%= config.bin %> snapshot inspect backup.snap --json'];
  static override aliases = ['debug:snapshot'];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { file: Args.string({ description: 'the snapshot file', required: true }) };

  async run(): Promise<SnapshotContents> {
    const { args } = await this.parse(SnapshotInspect);
    const { readSnapshot } = await import('../../core/server/admin/snapshot-offline.js');
    const { contents } = await readSnapshot(args.file).catch((err: Error) => {
      throw new CliError(err.message, { cause: err, code: 'BAD_SNAPSHOT' });
    });
    if (!this.jsonEnabled()) {
      const [{ renderFields }, { stdoutPalette }] = await Promise.all([import('../../ui/table.js'), import('../../ui/colors.js')]);
      this.log(renderFields(fields(contents), stdoutPalette()));
    }
    return contents;
  }
}

function fields(c: SnapshotContents): [string, string | number][] {
  const n = c.counts;
  return [
    ['format', c.format],
    ['index', c.index],
    ['term', c.term ?? '-'],
    ['voters', c.conf ? c.conf.voters.join(', ') || '-' : '-'],
    ['learners', c.conf ? c.conf.learners.join(', ') || '-' : '-'],
    ['size', `${c.fileBytes} bytes (registry image ${c.dataBytes})`],
    ['shards', n.shards],
    ['clusters', `${n.clusters} (${n.boundClusters} bound, ${n.unboundClusters} unbound)`],
    ['domains', n.domains],
    ['quotas', n.quotas],
    ['providers', n.providers],
    ['leases', n.leases],
    ['kv keys', `${n.kvKeys} (revision ${n.kvRevision})`],
    ['client sessions', n.sessions],
    ['rebind plans', n.plans],
  ];
}
