import { describe, expect, it } from 'vitest';
import { decide, documentOf, previewChange } from '../../src/ops/safety/gate.js';
import { buildStatusModel } from '../../src/ops/status.js';
import { palette } from '../../src/ui/colors.js';
import { renderPreview } from '../../src/ui/safety-preview.js';
import { down, leader, member, ok } from '../ops/status-fixtures.js';

const plain = palette(false);
const healthy = buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3', { lastIndex: 97 }))]);

describe('renderPreview', () => {
  it('shows before and after, the members involved, the steps and the verdict', () => {
    const preview = previewChange(healthy, { kind: 'remove', id: 'n1' });
    const out = renderPreview(documentOf(preview, decide(preview, false), true), plain);
    const lines = out.split('\n');
    expect(lines[0]).toBe('change: remove n1 (voter, the leader)');
    expect(lines[2]).toMatch(/^\s+BEFORE\s+AFTER$/);
    expect(out).toMatch(/^voters\s+3 \(n1 n2 n3\)\s+2 \(n2 n3\)$/m);
    expect(out).toMatch(/^leader\s+n1\s+n2$/m);
    expect(out).toMatch(/^can lose\s+1\s+0$/m);
    expect(out).toMatch(/^MEMBER\s+PART\s+ADDRESS\s+REACHABLE\s+LAG\s+CAUGHT UP\s+PROBLEM$/m);
    expect(out).toMatch(/^n2\s+new leader\s+127\.0\.0\.1:7782\s+yes\s+0\s+yes$/m);
    expect(out).toContain('steps: 1. hand leadership from n1 to n2  2. remove n1');
    expect(lines.at(-1)).toMatch(/^verdict: would be refused: it leaves a cluster that can lose no voter/);
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('adds the moment of a drill\'s fault, and records and forced problems', () => {
    const oneDown = buildStatusModel([ok(leader()), ok(member('n2')), down('127.0.0.1:7783')]);
    const drill = previewChange(oneDown, { kind: 'fault', drill: 'kill-leader', targets: ['n1'] });
    const out = renderPreview(documentOf(drill, decide(drill, true), false), plain);
    expect(out).toMatch(/^\s+BEFORE\s+DURING THE FAULT\s+AFTER$/m);
    expect(out).toMatch(/^can lose\s+0\s+0: no quorum\s+0$/m);
    expect(out).toMatch(/^verdict: proceeds \(forced past: the fault would leave 1 of 3 voters healthy/m);
    const prune = previewChange(healthy, { kind: 'write', summary: 'prune 7 clusters', records: { action: 'remove', count: 7, what: 'clusters', sample: ['c1', 'c2'] } });
    expect(renderPreview(documentOf(prune, decide(prune, false), true), plain)).toContain('records: remove 7 clusters (c1, c2, … 5 more)');
  });
});
