/**
 * Writes docs/commands.md, the command reference, from the compiled commands in dist/.
 *
 * Run: npm run docs:commands   (compiles first). test/cli/docs-stale.test.ts fails when the
 * file no longer matches the commands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCommandManifest, renderCommandsMarkdown } from './commands-markdown.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'docs', 'commands.md');
const manifest = await loadCommandManifest(root);
writeFileSync(target, renderCommandsMarkdown(manifest));
console.log(`wrote ${target}: ${Object.keys(manifest.commands).length} commands`);
