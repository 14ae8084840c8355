import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeMismatch, runTranscript } from './transcript.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const rewrite = process.env.REWRITE === '1';

describe('raft transcripts (testdata/*.txt)', () => {
  it('has scenarios to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of files) {
    it(file, () => {
      const source = readFileSync(dir + file, 'utf8');
      const result = runTranscript(source);
      if (rewrite) {
        writeFileSync(dir + file, result.text);
        return;
      }
      expect(result.mismatches.map(describeMismatch)).toEqual([]);
      // Layout too: what REWRITE=1 would write is the file as it stands.
      expect(result.text).toBe(source);
    });
  }
});

describe('the transcript runner', () => {
  const scenario = (expectedPropose: string) =>
    ['add-nodes 1', '----', 'n1: term 1, follower, last index 1, voters=(n1)', '', 'propose n1 x', '----', expectedPropose, ''].join('\n');

  it('passes a scenario whose expectations hold', () => {
    expect(runTranscript(scenario('refused: not-leader')).mismatches).toEqual([]);
  });

  it('reports a changed expectation with its line, the expected and the actual output', () => {
    const result = runTranscript(scenario('ok'));
    expect(result.mismatches).toEqual([{ line: 5, command: 'propose n1 x', expected: 'ok', actual: 'refused: not-leader' }]);
    expect(describeMismatch(result.mismatches[0]!)).toContain('line 5: propose n1 x');
    // The rewritten text carries the actual output in place of the wrong one.
    expect(result.text).toBe(scenario('refused: not-leader'));
  });

  it('refuses a command without its separator line and an unknown command', () => {
    expect(() => runTranscript('add-nodes 1\nstatus n1\n')).toThrow(/must be followed by a '----' line/);
    expect(() => runTranscript('frobnicate\n----\nok\n')).toThrow(/unknown command: frobnicate/);
  });
});
