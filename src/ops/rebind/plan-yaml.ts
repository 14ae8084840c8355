/**
 * YAML plans in the layout fleet writes them, read without a YAML tree of every move. A tree
 * costs about 5 KB per move (3 GB for 600,000 moves); a move read here, about 100 bytes. The
 * header (everything up to the `moves:` line) still goes through the yaml library, with its
 * limits (aliases, duplicate keys); each line after it must be one move in the writer's flow
 * form, `  - {cluster: "…", from: "…", to: "…"}`, which means exactly what the yaml library
 * would make of it. Anything else is reported as not in that layout, and the caller parses the
 * whole file with the yaml library instead.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { PlanMove as Move } from './types.js';

/** A plan in fleet's layout: its header as a YAML document, and its moves. */
export interface WriterLayout {
  readonly header: Document;
  readonly lines: LineCounter;
  readonly moves: Move[];
  /** The line (1-based) of moves[0]; moves[i] is on line firstMoveLine + i. */
  readonly firstMoveLine: number;
}

/** Why a text is not in fleet's layout, for a one-line error. */
export interface NotWriterLayout {
  readonly reason: string;
}

/**
 * A double-quoted YAML scalar whose text is its value: printable characters other than `"`
 * and `\` (no escapes, no control characters, no byte-order mark).
 */
const QUOTED = '"((?:[ !#-\\[\\]-~\\u00a0-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd]|[\\ud800-\\udbff][\\udc00-\\udfff])*)"';
/** One move line, up to and including its line break (or the end of the text). */
const MOVE_LINE = new RegExp(`  - \\{cluster: ${QUOTED}, from: ${QUOTED}, to: ${QUOTED}\\}(?:\\r\\n|\\n|$)`, 'y');
/** Blank lines after the last move, to the end. */
const TRAILING_BLANKS = /(?:\r?\n)*$/y;
/** The top-level `moves:` key with its value on the lines below. */
const MOVES_KEY = /^moves:\r?\n/m;

/** Reads TEXT as fleet writes plans, or says why it is not in that layout. */
export function readWriterLayout(text: string): WriterLayout | NotWriterLayout {
  const key = MOVES_KEY.exec(text);
  if (key === null) return { reason: 'it has no "moves:" line followed by moves' };
  const lines = new LineCounter();
  // The header ends with `moves:` and no value: a document on its own, with every offset as in the whole text.
  const header = parseDocument(text.slice(0, key.index + 'moves:'.length), { lineCounter: lines, uniqueKeys: true });
  const movesLine = lines.linePos(key.index).line;
  if (!headerEndsWithMoves(header, key.index)) return { reason: `the lines before "moves:" (line ${movesLine}) are not a plain YAML mapping ending with it` };
  const moves = readMoveLines(text, key.index + key[0].length);
  if (!Array.isArray(moves)) return { reason: `line ${lineAt(text, moves.offset)} is not one move in the form \`  - {cluster: "…", from: "…", to: "…"}\`` };
  return { header, lines, moves, firstMoveLine: movesLine + 1 };
}

function headerEndsWithMoves(header: Document, keyOffset: number): boolean {
  if (header.errors.length > 0 || !isMap(header.contents)) return false;
  const last = header.contents.items.at(-1);
  if (last === undefined || !isScalar(last.key) || last.key.value !== 'moves' || last.key.range?.[0] !== keyOffset) return false;
  return isScalar(last.value) && last.value.value === null && last.value.source === '';
}

/** The moves from `start` to the end, or the offset of the first line that is not one. */
function readMoveLines(text: string, start: number): Move[] | { offset: number } {
  const moves: Move[] = [];
  // 1,000,000 moves name a few hundred shards: share one string per shard.
  const shards = new Map<string, string>();
  const shard = (s: string): string => shards.get(s) ?? (shards.set(s, s), s);
  let at = start;
  for (;;) {
    MOVE_LINE.lastIndex = at;
    const m = MOVE_LINE.exec(text);
    if (m === null) break;
    moves.push({ cluster: m[1]!, from: shard(m[2]!), to: shard(m[3]!) });
    at = MOVE_LINE.lastIndex;
    if (at === text.length) break;
  }
  TRAILING_BLANKS.lastIndex = at;
  if (moves.length === 0 || at < text.length && TRAILING_BLANKS.exec(text)?.[0].length !== text.length - at) return { offset: at };
  return moves;
}

/** The 1-based line of OFFSET. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
