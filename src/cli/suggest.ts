/**
 * The closest name to a mistyped one, for "did you mean" hints. Loaded only when a command or
 * flag was not found, so the CLI's start-up does not pay for the edit-distance library.
 */
import { distance } from 'fastest-levenshtein';

/** The suggestion is offered only when it is this close (edits per character of the typed name). */
const MAX_EDITS_PER_CHAR = 0.5;

/** The name closest to `typed` (a command id, a flag's name), if one is close enough. */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(typed, name);
    // On a tie, a name with the typed first letter is the likelier intent (--jsn: --json, not --ns).
    const better = best === undefined || d < best.d || (d === best.d && name[0] === typed[0] && best.name[0] !== typed[0]);
    if (better) best = { name, d };
  }
  return best !== undefined && best.d <= Math.max(2, typed.length * MAX_EDITS_PER_CHAR) ? best.name : undefined;
}

/** For an unknown flag, `; did you mean --NAME?` naming the closest flag the command takes, or ''. */
export function suggestFlag(err: unknown, names: readonly string[]): string {
  const typed = /Nonexistent flags?: (\S+)/.exec(err instanceof Error ? err.message : String(err))?.[1]?.replace(/^-+/, '').split('=')[0];
  if (typed === undefined || typed === '') return '';
  const closest = closestName(typed, names);
  return closest === undefined ? '' : `; did you mean --${closest}?`;
}
