/**
 * Which clusters a generated plan may move: all of them, those whose name matches a glob
 * (`--select 'eu-*'`), or those listed in a file (`--clusters-from FILE`, one name per line).
 */
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from '../../common/errors.js';

/** A predicate over cluster names. */
export type ClusterFilter = (name: string) => boolean;

/** Every cluster. */
export const ALL_CLUSTERS: ClusterFilter = () => true;

/**
 * A cluster-name glob: `*` any run of characters, `?` one character, `[abc]` one of a set;
 * `name=GLOB` is accepted too. Comma-separated globs are alternatives.
 */
export function globFilter(select: string): ClusterFilter {
  const text = select.startsWith('name=') ? select.slice(5) : select;
  const globs = text.split(',').map((g) => g.trim()).filter(Boolean);
  if (globs.length === 0) throw new CliError(`--select ${JSON.stringify(select)}: give a cluster-name glob such as 'eu-*'`, { exitCode: EXIT.usage });
  const re = new RegExp(`^(?:${globs.map(globToRegExp).join('|')})$`);
  return (name) => re.test(name);
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new CliError(`--select: unclosed '[' in ${JSON.stringify(glob)}`, { exitCode: EXIT.usage });
      out += `[${glob.slice(i + 1, end).replace(/[\\^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return out;
}

/** The clusters named in a file: one per line; blank lines and `#` comments are ignored. */
export async function listFilter(file: string): Promise<ClusterFilter> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`--clusters-from: cannot read ${file}: ${(err as Error).message}`, { exitCode: EXIT.usage, cause: err });
  }
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line !== '') names.add(line);
  }
  if (names.size === 0) throw new CliError(`--clusters-from: ${file} names no cluster`, { exitCode: EXIT.usage });
  return (name) => names.has(name);
}
