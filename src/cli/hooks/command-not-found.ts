/**
 * An unknown command: name the closest one and exit 2 (usage), in scripts as at a terminal.
 * oclif's plugin-not-found suggests only when stdin is a terminal (it asks there) and exits
 * 127, outside fleet's documented exit codes; a one-line error with the suggestion serves both.
 */
import type { Hook } from '@oclif/core';
import { closestName } from '../suggest.js';
import { EXIT } from '../../common/errors.js';

/** The visible command closest to `typed` (ids use ':' between words), if one is close enough. */
export function closestCommand(typed: string, ids: readonly string[]): string | undefined {
  return closestName(typed, ids);
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const spaced = (id: string) => id.replaceAll(':', ' ');
  const suggestion = closestCommand(opts.id, ids);
  const hint = suggestion ? `did you mean \`${opts.config.bin} ${spaced(suggestion)}\`? (${opts.config.bin} help lists every command)` : `${opts.config.bin} help lists every command`;
  this.error(`${spaced(opts.id)} is not a ${opts.config.bin} command; ${hint}`, { exit: EXIT.usage });
};

export default hook;
