/**
 * Text from the cluster (keys, values, member ids, audit arguments) made safe to print on a
 * terminal: control characters (C0, DEL, C1, and the Unicode line and paragraph separators)
 * and the bidirectional formatting characters (marks, embeddings, overrides, isolates) are
 * shown as `\xNN` / `\uNNNN` escapes, so a stored escape sequence cannot recolour, move the
 * cursor, retitle the window or hide lines, and a U+202E cannot print a name backwards.
 * --json output carries the data unchanged.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const ONE_CONTROL = new RegExp(CONTROL.source);

/** The first character of `text` that printable() would escape, or undefined when there is none. */
export function firstUnprintable(text: string): string | undefined {
  return ONE_CONTROL.exec(text)?.[0];
}

/** `text` with every control character escaped; the backslash of an existing escape stays as it is. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
