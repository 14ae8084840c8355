import { describe, expect, it } from 'vitest';
import { renderDrillJunit } from '../../../src/ui/drill/drill-junit.js';
import { report, round } from './fixtures.js';
import { junitErrors } from './junit-schema.js';

/** The test cases of a JUnit document as `suite › case: status`. */
function cases(xml: string): string[] {
  const out: string[] = [];
  let suite = '';
  for (const m of xml.matchAll(/<testsuite name="([^"]*)"|<testcase name="([^"]*)"[^>]*?(\/>|>\s*<(failure|skipped)[^>]*?message="([^"]*)")/g)) {
    if (m[1] !== undefined) suite = m[1].replace(/.*· /, '');
    else out.push(`${suite} › ${m[2]}: ${m[4] === undefined ? 'ok' : `${m[4]} ${m[5]}`}`);
  }
  return out;
}

describe('renderDrillJunit', () => {
  it('has one suite per round and one case per check, and validates against the JUnit schema', async () => {
    const xml = renderDrillJunit(report(2));
    // Each suite carries its round's own start: the drill's start plus the round's startMs.
    const stamps = [...xml.matchAll(/<testsuite [^>]*timestamp="([^"]+)"/g)].map((m) => m[1]);
    const rounds = report(2).rounds.map((r) => new Date(Date.parse('2026-01-02T03:04:05.678Z') + (r.startMs ?? 0)).toISOString().replace(/\.\d+Z$/, ''));
    expect(stamps).toEqual(rounds);
    expect(new Set(stamps).size).toBe(2);
    expect(await junitErrors(xml)).toEqual([]);
    expect(cases(xml)).toEqual([
      ...[1, 2].flatMap((n) => ['steady-state', 'new-leader', 'caught-up-after-restore', 'slo-unavailable', 'slo-new-leader', 'nothing-lost', 'nothing-duplicated', 'linearizable'].map((c) => `round ${n} › ${c}: ok`)),
    ]);
    expect(xml).toMatch(/<testsuites name="fleet drill kill-leader" tests="16" failures="0" errors="0" time="40.000">/);
    expect(xml).toContain('<system-out>target n1; leader n1 -&gt; n2; new leader after 312 ms;');
  });

  it('fails the checks that failed, with their reasons, and skips an undecided linearizability check', async () => {
    const r1 = round(1, { lost: 1, linearizable: false, checks: [{ name: 'slo-unavailable', ok: false, detail: 'longest unavailability 6000 ms (SLO 5000 ms)', severity: 'slo' }] });
    const r2 = round(2, { linearizable: null, checks: [] });
    const counterexample = [{ process: 3, type: 'ok' as const, f: 'write' as const, key: 'r1-k01', value: '1.3.7 <&>', time: 5 }];
    const xml = renderDrillJunit(
      report(2, {
        verdict: 'unsafe',
        rounds: [r1, r2],
        violations: [
          { kind: 'lost', round: 1, key: 'r1-k01', message: 'key r1-k01: "1.3.7" was acknowledged and is gone', counterexample },
          { kind: 'not-linearizable', round: 1, key: 'r1-k01', message: 'no order explains read "1.3.7"', counterexample: [] },
        ],
      }),
    );
    expect(await junitErrors(xml)).toEqual([]);
    expect(cases(xml)).toEqual([
      'round 1 › steady-state: ok',
      'round 1 › slo-unavailable: failure longest unavailability 6000 ms (SLO 5000 ms)',
      'round 1 › nothing-lost: failure key r1-k01: &quot;1.3.7&quot; was acknowledged and is gone',
      'round 1 › nothing-duplicated: ok',
      'round 1 › linearizable: failure no order explains read &quot;1.3.7&quot;',
      'round 2 › steady-state: ok',
      'round 2 › nothing-lost: ok',
      'round 2 › nothing-duplicated: ok',
      'round 2 › linearizable: skipped undecided: the checker ran out of budget on a key',
    ]);
    // The counterexample travels in the failure's text, escaped.
    expect(xml).toContain('"value":"1.3.7 &lt;&amp;&gt;"');
    expect(xml).toMatch(/<testsuite name="fleet drill kill-leader · round 1" tests="5" failures="3" errors="0" skipped="0"/);
  });

  it('fails the steady state of an aborted round and skips the rounds never run', async () => {
    const xml = renderDrillJunit(report(3, { verdict: 'aborted', reason: 'aborted in round 2: reachable — no answer from n3', rounds: [round(1)], aborted: { round: 2, check: 'reachable', message: 'no answer from 127.0.0.1:7783' } }));
    expect(await junitErrors(xml)).toEqual([]);
    expect(cases(xml).slice(-2)).toEqual(['round 2 › steady-state: failure no answer from 127.0.0.1:7783', 'round 3 › round: skipped not run: aborted in round 2: reachable — no answer from n3']);
  });

  it('keeps the document valid whatever a check says (control characters, quotes, markup)', async () => {
    const xml = renderDrillJunit(report(1, { rounds: [round(1, { checks: [{ name: 'odd "name" <x>', ok: false, detail: 'bell \u0007, tab \t, newline \n, ]]> & more', severity: 'slo' }] })] }));
    expect(await junitErrors(xml)).toEqual([]);
    expect(xml).toContain('message="bell \ufffd, tab &#9;, newline &#10;, ]]&gt; &amp; more"');
  });

  it('is checked by a schema that can fail: a document missing a required attribute is refused', async () => {
    const xml = renderDrillJunit(report(1)).replace(/(<testsuite name="[^"]*") tests="\d+"/, '$1');
    expect((await junitErrors(xml)).join('\n')).toMatch(/tests/);
  });
});
