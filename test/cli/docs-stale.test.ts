/**
 * docs/commands.md is generated from the commands (npm run docs:commands); this renders it again
 * in memory from the compiled commands (test/global-setup.ts builds dist/ first) and names every
 * command whose section no longer matches, so a new flag or command cannot leave it stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandSections, loadCommandManifest, REGENERATE, renderCommandsMarkdown, sectionsOf, type CommandManifest } from '../../scripts/commands-markdown.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What differs between the file and the commands, one line per command. */
function staleness(manifest: CommandManifest, written: string): string[] {
  const want = commandSections(manifest);
  const have = sectionsOf(written);
  const problems: string[] = [];
  for (const [name, section] of want) {
    if (!have.has(name)) problems.push(`${name}: missing`);
    else if (have.get(name) !== section.trimEnd()) problems.push(`${name}: out of date`);
  }
  for (const name of have.keys()) if (!want.has(name)) problems.push(`${name}: no longer a command`);
  return problems;
}

describe('docs/commands.md', () => {
  it('matches the commands', async () => {
    const manifest = await loadCommandManifest(root);
    const written = readFileSync(join(root, 'docs', 'commands.md'), 'utf8');
    if (written === renderCommandsMarkdown(manifest)) return;
    const problems = staleness(manifest, written);
    expect.fail(`docs/commands.md is stale; run \`${REGENERATE}\` and commit it.\n${problems.length > 0 ? problems.join('\n') : '(the contents list or the shared flags differ)'}`);
  });

  it('names the command whose section changed', async () => {
    const manifest = await loadCommandManifest(root);
    const written = renderCommandsMarkdown(manifest);
    const rebind = manifest.commands.rebind!;
    const changed: CommandManifest = { ...manifest, commands: { ...manifest.commands, rebind: { ...rebind, flags: { ...rebind.flags, yes: { name: 'yes', type: 'boolean', description: 'new' } } } } };
    expect(staleness(changed, written)).toEqual(['fleet rebind: out of date']);
    const { rebind: _gone, ...rest } = manifest.commands;
    expect(staleness({ ...manifest, commands: rest }, written)).toEqual(['fleet rebind: no longer a command']);
  });
});
