/**
 * A drill as JUnit XML (pure: report in, text out), the format CI systems read: one test suite
 * per round, one test case per check — steady state, the fault's own expectations, each SLO,
 * nothing lost, nothing duplicated, linearizable — each failure carrying its reason. Rounds the
 * drill never ran are there too, skipped, so a pipeline sees that they are missing.
 */
import type { CheckResult, DrillReport, RoundReport, Violation } from '../../ops/drill/index.js';

/** One test case: passed, failed (with why) or skipped (with why). */
interface TestCase {
  readonly name: string;
  readonly failure?: { readonly type: string; readonly message: string; readonly body?: string };
  readonly skipped?: string;
}

/** The round's checks that say whether the cluster had a steady state before the fault (see steady-state.ts). */
const STEADY_STATE_CHECKS = new Set(['reachable', 'one-leader', 'all-members-observed', 'caught-up']);

/** Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text escaped for XML; in an attribute (`attribute`), newlines are kept as character references. */
export function xmlEscape(s: string, attribute = true): string {
  const text = s.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? text.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : text;
}

function checkCase(c: CheckResult): TestCase {
  return c.ok ? { name: c.name } : { name: c.name, failure: { type: c.severity, message: c.detail } };
}

function violationsOf(report: DrillReport, round: number, kinds: readonly Violation['kind'][]): Violation[] {
  return report.violations.filter((v) => v.round === round && kinds.includes(v.kind));
}

/** A safety check: failed when it counted any (the first violation of its kind gives the details). */
function safetyCase(name: string, failed: boolean, message: string, violations: readonly Violation[]): TestCase {
  if (!failed) return { name };
  const body = violations.map((v) => `${v.message}${v.counterexample.length > 0 ? `\n${v.counterexample.map((e) => `  ${JSON.stringify(e)}`).join('\n')}` : ''}`).join('\n\n');
  return { name, failure: { type: 'safety', message: violations[0]?.message ?? message, ...(body === '' ? {} : { body }) } };
}

function roundCases(report: DrillReport, r: RoundReport): TestCase[] {
  const cases: TestCase[] = [{ name: 'steady-state' }, ...r.checks.map(checkCase)];
  cases.push(safetyCase('nothing-lost', r.lost > 0, `${r.lost} acknowledged write(s) lost`, violationsOf(report, r.round, ['lost', 'unknown-value'])));
  cases.push(safetyCase('nothing-duplicated', r.duplicated > 0, `${r.duplicated} write(s) applied twice`, violationsOf(report, r.round, ['duplicated'])));
  if (r.linearizable === null) cases.push({ name: 'linearizable', skipped: 'undecided: the checker ran out of budget on a key' });
  else cases.push(safetyCase('linearizable', !r.linearizable, 'the history is not linearizable', violationsOf(report, r.round, ['not-linearizable'])));
  const aborted = report.aborted;
  if (aborted !== null && aborted.round === r.round) cases.push({ name: aborted.check, failure: { type: 'aborted', message: aborted.message } });
  return cases;
}

/** A round the drill did not finish: the check that stopped it failed there; later rounds were skipped. */
function missingRoundCases(report: DrillReport, round: number): TestCase[] {
  const aborted = report.aborted;
  if (aborted === null || aborted.round !== round) return [{ name: 'round', skipped: `not run: ${report.reason}` }];
  const failure = { type: 'aborted', message: aborted.message };
  return STEADY_STATE_CHECKS.has(aborted.check) ? [{ name: 'steady-state', failure }] : [{ name: 'steady-state' }, { name: aborted.check, failure }];
}

function figuresLine(r: RoundReport): string {
  const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);
  return `target ${r.target}; leader ${r.oldLeader} -> ${r.newLeader ?? r.oldLeader}; new leader after ${ms(r.newLeaderMs)}; unavailable ${ms(r.unavailableMs)} (${r.windows.length} window(s)); catch-up ${ms(r.catchupMs)}; ops ${r.ops} (${r.opsPerSec}/s), acked ${r.acknowledged}, cas conflicts ${r.compareFailed ?? '-'} (found another value), failed ${r.failed}, unknown ${r.indeterminate}; lost ${r.lost}, duplicated ${r.duplicated}`;
}

function renderCase(c: TestCase, classname: string): string {
  const head = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(classname)}"`;
  if (c.failure !== undefined) {
    const body = c.failure.body === undefined ? '' : xmlEscape(c.failure.body, false);
    return `${head}>\n      <failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${body}</failure>\n    </testcase>`;
  }
  if (c.skipped !== undefined) return `${head}>\n      <skipped message="${xmlEscape(c.skipped)}"/>\n    </testcase>`;
  return `${head}/>`;
}

function renderSuite(name: string, cases: readonly TestCase[], timestamp: string, out?: string): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const head = `  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${xmlEscape(timestamp)}">`;
  const system = out === undefined ? [] : [`    <system-out>${xmlEscape(out, false)}</system-out>`];
  return [head, ...cases.map((c) => renderCase(c, name)), ...system, '  </testsuite>'].join('\n');
}

/** A JUnit timestamp: UTC without the zone suffix or milliseconds (the common schemas type it as xs:dateTime). */
function junitTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, '');
}

/** The whole JUnit XML document of a drill. */
export function renderDrillJunit(report: DrillReport): string {
  const started = Date.parse(report.startedAt);
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (let round = 1; round <= report.options.rounds; round++) {
    const r = report.rounds.find((x) => x.round === round);
    const name = `fleet drill ${report.drill} · round ${round}`;
    const cases = r === undefined ? missingRoundCases(report, round) : roundCases(report, r);
    tests += cases.length;
    failures += cases.filter((c) => c.failure !== undefined).length;
    // Each round's suite starts when its workload did (older reports lack that: the drill's start).
    const timestamp = junitTime(started + (r?.startMs ?? 0));
    suites.push(renderSuite(name, cases, timestamp, r === undefined ? undefined : figuresLine(r)));
  }
  const head = `<testsuites name="fleet drill ${xmlEscape(report.drill)}" tests="${tests}" failures="${failures}" errors="0" time="${(report.elapsedMs / 1000).toFixed(3)}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}
