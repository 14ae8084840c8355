/** The report `fleet recover` and `fleet node recover` print before (and after) rebuilding a one-member cluster. */
import type { RecoveryPlan } from '../ops/recover.js';
import type { Palette } from './colors.js';
import { renderFields } from './table.js';

const SHOWN_ENTRIES = 10;

/** The plan as aligned fields, then the entries that will be dropped (the first few). */
export function renderRecoveryPlan(plan: RecoveryPlan, p: Palette): string {
  const u = plan.uncommitted;
  const n = plan.counts;
  const lines = [
    renderFields(
      [
        ['member', `${plan.id} (${plan.dataDir})${plan.live ? p.dim(' — running: read from a copy of its log, figures final once it is stopped') : ''}`],
        ['holds', `entries up to index ${plan.lastIndex} (term ${plan.lastTerm}); current term ${plan.term}; snapshot at ${plan.snapshotIndex || '-'}`],
        ['committed', `${p.ok(`up to index ${plan.commitIndex}`)} (term ${plan.commitTerm}): committed for certain, kept`],
        [
          'maybe not',
          u.count === 0
            ? 'none: every entry it holds is committed'
            : p.warn(`${u.count} entr${u.count === 1 ? 'y' : 'ies'}, index ${u.fromIndex}–${u.toIndex}: may not have been committed, ${plan.kept.uncommitted ? 'kept and committed (--keep-uncommitted)' : 'dropped (saved in the dropped file; --keep-uncommitted keeps them)'}`),
        ],
        ['registry', `${n.shards} shards, ${n.clusters} clusters, ${n.kvKeys} kv keys, ${n.leases} leases at index ${plan.kept.throughIndex}`],
        ['members now', [...plan.logMembership.voters, ...plan.logMembership.learners.map((l) => `${l} (learner)`)].join(', ') || '-'],
        ['dropped', plan.dropped.length === 0 ? 'none' : p.warn(plan.dropped.join(', '))],
        ['after', `${plan.after.voters.join(', ')} alone, a one-member cluster (grow it back with fleet scale or fleet members add)`],
      ],
      p,
    ),
  ];
  const verb = plan.kept.uncommitted ? 'keep' : 'drop';
  for (const e of u.entries.slice(0, SHOWN_ENTRIES)) lines.push(`  ${p.dim(verb)} ${e.index} (term ${e.term}) ${e.type}: ${e.summary}`);
  if (u.entries.length > SHOWN_ENTRIES) lines.push(`  ${p.dim(`… and ${u.entries.length - SHOWN_ENTRIES} more`)}`);
  return lines.join('\n');
}
