/**
 * The text of a token file: the token on a line of its own, optionally named by a line
 * `name: NAME` (the name the audit log records for whoever presents it; never the token).
 */

/** A token and the name its file gives it. */
export interface NamedToken {
  readonly token: string;
  readonly name: string | undefined;
}

/** Parses a token file's text; throws an Error saying what is wrong (the caller names the file). */
export function parseTokenText(text: string): NamedToken {
  let name: string | undefined;
  const rest: string[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const named = /^name:\s*(.*)$/i.exec(line);
    if (named === null) rest.push(line);
    else if (named[1]!.length === 0) throw new Error('its name: line gives no name');
    else name = named[1]!;
  }
  if (rest.length === 0) throw new Error('the file holds no token');
  if (rest.length > 1) throw new Error('the file holds more than one token line (a name goes on a line of its own as "name: NAME")');
  return { token: rest[0]!, name };
}
