/**
 * An unknown command: name the closest one and exit 2 (usage), in scripts as at a terminal.
 * oclif's plugin-not-found suggests only when stdin is a terminal (it asks there) and exits
 * 127, outside fleet's documented exit codes; a one-line error with the suggestion serves both.
 */
import type { Hook } from '@oclif/core';
import { distance } from 'fastest-levenshtein';
import { EXIT } from '../../common/errors.js';

/** The suggestion is offered only when it is this close (edits per character of the typed id). */
const MAX_EDITS_PER_CHAR = 0.5;

/** The visible command closest to `typed` (ids use ':' between words), if one is close enough. */
export function closestCommand(typed: string, ids: readonly string[]): string | undefined {
  return closestName(typed, ids);
}

/** The name closest to `typed` (a command id, a flag's name), if one is close enough. */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(typed, name);
    if (best === undefined || d < best.d) best = { name, d };
  }
  return best !== undefined && best.d <= Math.max(2, typed.length * MAX_EDITS_PER_CHAR) ? best.name : undefined;
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const spaced = (id: string) => id.replaceAll(':', ' ');
  const suggestion = closestCommand(opts.id, ids);
  const hint = suggestion ? `did you mean \`${opts.config.bin} ${spaced(suggestion)}\`? (${opts.config.bin} help lists every command)` : `${opts.config.bin} help lists every command`;
  this.error(`${spaced(opts.id)} is not a ${opts.config.bin} command; ${hint}`, { exit: EXIT.usage });
};

export default hook;
