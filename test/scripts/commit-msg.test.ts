/** The commit-message rule (scripts/commit-msg.mjs): a subject of at most 72 characters, a blank line, the reasons. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/commit-msg.mjs', import.meta.url));
const { problems } = (await import(SCRIPT)) as { problems(message: string): string[] };

function hook(message: string): { status: number | null; stderr: string } {
  const file = join(tempDir('fleet-commit-msg-').path, 'COMMIT_EDITMSG');
  writeFileSync(file, message);
  const r = spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('commit messages', () => {
  it('takes a subject of at most 72 characters, a blank line and a body', () => {
    expect(problems(`${'s'.repeat(72)}\n\nThe reason.\n`)).toEqual([]);
  });

  it('names each break of the rule', () => {
    expect(problems(`${'s'.repeat(73)}\n\nwhy`)).toEqual(['the subject is 73 characters, more than 72']);
    expect(problems('Subject\nbody at once')).toEqual(['the second line is not blank: a blank line separates the subject from the body']);
    expect(problems('Subject alone\n')).toEqual(['there is no body: say why the change was made']);
    expect(problems('\n\nbody')).toEqual(['the subject line is empty']);
  });

  it('as the commit-msg hook: ignores git comment lines, refuses with status 1 and says why', () => {
    expect(hook('Subject\n\nThe reason.\n# Please enter the commit message\n').status).toBe(0);
    const refused = hook('Subject alone\n# Please enter the commit message\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('there is no body');
  });

  it('checks the history since the rule began (npm test runs this)', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--history'], { encoding: 'utf8' });
    expect(r.stdout, r.stdout).toMatch(/^commit messages: /);
    expect(r.status).toBe(0);
  });
});
