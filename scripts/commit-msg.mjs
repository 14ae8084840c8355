#!/usr/bin/env node
// The project's rule for commit messages: a subject of at most 72 characters, then a blank line
// and a body that gives the reasons. Two uses:
//   node scripts/commit-msg.mjs FILE       the git commit-msg hook (.githooks/commit-msg; enable
//                                          with `git config core.hooksPath .githooks`)
//   node scripts/commit-msg.mjs --history  every commit since the rule began (POLICY_START..HEAD,
//                                          merges aside), as `npm test` checks it
// Exit 0 when every message keeps the rule, 1 naming each that does not, 2 on bad usage.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import process from 'node:process';

/** The last commit before the rule was checked: the 126 before it kept the subject length, not all a body. */
const POLICY_START = '24187a07d91a927a05f15a16fad0eca19048a042';
export const MAX_SUBJECT = 72;

/** What is wrong with `message` (git's text, `#` comment lines already dropped); empty when nothing. */
export function problems(message) {
  const lines = message.replace(/\s+$/, '').split('\n');
  const subject = lines[0] ?? '';
  const out = [];
  if (subject.trim() === '') return ['the subject line is empty'];
  if (subject.length > MAX_SUBJECT) out.push(`the subject is ${subject.length} characters, more than ${MAX_SUBJECT}`);
  if (lines.length > 1 && lines[1].trim() !== '') out.push('the second line is not blank: a blank line separates the subject from the body');
  if (!lines.slice(1).some((l) => l.trim() !== '')) out.push('there is no body: say why the change was made');
  return out;
}

/** A message as the hook gets it: git's comment lines (and the diff after a scissors line) removed. */
function withoutComments(text) {
  const scissors = text.indexOf('# ------------------------ >8 ------------------------');
  return (scissors >= 0 ? text.slice(0, scissors) : text)
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

function git(args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function checkHistory() {
  let range;
  try {
    git(['rev-parse', '--verify', '--quiet', `${POLICY_START}^{commit}`]);
    range = `${POLICY_START}..HEAD`;
  } catch {
    // A shallow clone or an export without history: nothing to check, and said so.
    console.log(`commit messages: ${POLICY_START.slice(0, 10)} is not in this clone's history; not checked`);
    return 0;
  }
  const commits = git(['rev-list', '--no-merges', range]).split('\n').filter(Boolean);
  let bad = 0;
  for (const c of commits) {
    const found = problems(git(['log', '-1', '--format=%B', c]));
    if (found.length === 0) continue;
    bad++;
    console.log(`${c.slice(0, 10)} ${git(['log', '-1', '--format=%s', c]).trim().slice(0, 60)}: ${found.join('; ')}`);
  }
  console.log(`commit messages: ${commits.length - bad} of ${commits.length} since ${POLICY_START.slice(0, 10)} keep the rule`);
  return bad === 0 ? 0 : 1;
}

function main(argv) {
  if (argv[0] === '--history') return checkHistory();
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error('usage: commit-msg.mjs FILE | --history');
    return 2;
  }
  const found = problems(withoutComments(readFileSync(argv[0], 'utf8')));
  for (const p of found) console.error(`commit message: ${p}`);
  if (found.length > 0) console.error(`(the rule: a subject of at most ${MAX_SUBJECT} characters, a blank line, then the reasons)`);
  return found.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
