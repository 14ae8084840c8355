/**
 * Colour for human output. Whether to colour is decided once per command from its stream and
 * environment (NO_COLOR wins, then FORCE_COLOR, then "is it a terminal?"), and passed to the
 * renderers as a Palette, so renderers stay pure and their tests need no TTY.
 */
import { Chalk, supportsColor } from 'chalk';

/** Semantic colours: renderers say what a value means, not which colour it is. */
export interface Palette {
  readonly enabled: boolean;
  readonly ok: (s: string) => string;
  readonly warn: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  /** The leader's row, the current context: what the eye should find first. */
  readonly accent: (s: string) => string;
}

/** Whether output to `stream` should be coloured (https://no-color.org: any non-empty NO_COLOR disables it). */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** A palette; with `enabled` false every function is the identity. */
export function palette(enabled: boolean): Palette {
  const level = enabled ? (supportsColor === false ? 1 : Math.max(1, supportsColor.level)) : 0;
  const c = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  return {
    enabled,
    ok: (s) => c.green(s),
    warn: (s) => c.yellow(s),
    bad: (s) => c.red(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    accent: (s) => c.cyan.bold(s),
  };
}

/** The palette for stdout of this process. */
export function stdoutPalette(): Palette {
  return palette(shouldColor(process.stdout));
}
