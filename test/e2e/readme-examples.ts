/**
 * The README's shell examples, read as a test reads them (test/e2e/readme.test.ts), and a check
 * of a `fleet` command line against the commands' definitions (the oclif manifest), for the
 * examples that cannot run here and for the deployment files in deploy/.
 *
 * Conventions in the README's ```sh blocks:
 * - every line (joined across trailing `\`) is a command; a trailing `# exit N` comment is the
 *   exit code the line must end with, 0 when there is none;
 * - `<!-- readme-test: long -->` right before a block: long-running, interactive or destructive
 *   (drills, watch, top, recovery): its commands are checked against the definitions, not run;
 * - `<!-- readme-test: setup` … `-->` right before a block: commands run before it, unseen by
 *   readers (the state an example assumes, such as a cluster bound to s1);
 * - a block naming another machine (an address beyond loopback as a target, a path under /var,
 *   /etc or ~) is checked, not run.
 *
 * The TypeScript examples (```ts blocks, `codeBlocks`) are whole programs, type-checked and run
 * as written by test/e2e/doc-snippets.test.ts; `<!-- snippet-test: check-only -->` right before
 * one: type-checked, not run.
 */
import type { CommandManifest, ManifestCommand } from '../../scripts/commands-markdown.js';

/** One command line of an example, where it is in the README and how it must end. */
export interface ExampleLine {
  readonly line: number;
  readonly text: string;
  readonly exit: number;
}

export interface ExampleBlock {
  readonly line: number;
  readonly long: boolean;
  readonly setup: readonly string[];
  readonly lines: readonly ExampleLine[];
}

const MARKER = /^<!--\s*readme-test:\s*(long|setup)\b([\s\S]*)-->$/;

/** The HTML comment that ends right before a block (blank lines aside), or ''. */
function commentBefore(lines: readonly string[], block: number): string {
  const before = lines.slice(0, block).join('\n').trimEnd();
  if (!before.endsWith('-->')) return '';
  return before.slice(before.lastIndexOf('<!--'));
}

/** The ```sh blocks of a Markdown text, with the markers just before them. */
export function shellBlocks(markdown: string): ExampleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ExampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: { line: number; text: string }[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push({ line: i + 1, text: lines[i]! });
    const marker = MARKER.exec(commentBefore(lines, start));
    blocks.push({
      line: start + 1,
      long: marker?.[1] === 'long',
      setup: marker?.[1] === 'setup' ? marker[2]!.split('\n').map((l) => l.trim()).filter(Boolean) : [],
      lines: joinContinuations(body),
    });
  }
  return blocks;
}

/** A fenced code block of a Markdown text: where it starts, its text, and its marker. */
export interface CodeBlock {
  readonly line: number;
  readonly code: string;
  /** `<!-- snippet-test: check-only -->` before it: type-checked, not run. */
  readonly checkOnly: boolean;
}

/** The fenced blocks of `langs` (```ts, ```typescript) of a Markdown text. */
export function codeBlocks(markdown: string, langs: readonly string[] = ['ts', 'typescript']): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lang = /^```(\w+)\s*$/.exec(lines[i]!)?.[1];
    if (lang === undefined || !langs.includes(lang)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    blocks.push({ line: start + 1, code: `${body.join('\n')}\n`, checkOnly: /<!--\s*snippet-test:\s*check-only\b/.test(commentBefore(lines, start)) });
  }
  return blocks;
}

function joinContinuations(body: readonly { line: number; text: string }[]): ExampleLine[] {
  const out: ExampleLine[] = [];
  let pending: { line: number; text: string } | undefined;
  for (const { line, text } of body) {
    const joined = pending ? `${pending.text} ${text.trim()}` : text;
    const first = pending?.line ?? line;
    if (joined.trimEnd().endsWith('\\')) {
      pending = { line: first, text: joined.trimEnd().slice(0, -1).trimEnd() };
      continue;
    }
    pending = undefined;
    const { command, comment } = splitComment(joined);
    if (command.trim() === '') continue;
    const exit = /^exit (\d+)/.exec(comment)?.[1];
    out.push({ line: first, text: command.trim(), exit: exit === undefined ? 0 : Number(exit) });
  }
  return out;
}

/** The command and its trailing comment (a `#` after a space, outside quotes). */
function splitComment(text: string): { command: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return { command: text.slice(0, i), comment: text.slice(i + 1).trim() };
  }
  return { command: text, comment: '' };
}

/** Words of a shell command: quotes removed, `$(…)` kept as one word; no expansion. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/**
 * The `fleet` invocations in a command line, as argument lists: the commands of `a && b`, `a; b`
 * and `a | b` apart, leading `VAR=value` assignments dropped, and `node [options] …/run.js` or
 * `./bin/run.js` read as `fleet`. Shell redirections (`> file`) are dropped.
 */
export function fleetInvocations(text: string): string[][] {
  const out: string[][] = [];
  for (const part of text.split(/&&|\|\||;|\|/)) {
    let words = shellWords(part);
    const redirect = words.findIndex((w) => /^[0-9]?[<>]/.test(w));
    if (redirect >= 0) words = words.slice(0, redirect);
    // `INDEX=$(fleet …)`: the command substitution's fleet call is an invocation too.
    const substituted = /^[A-Z_][A-Z0-9_]*=\$\((.+)$/.exec(words[0] ?? '');
    if (substituted) words = [substituted[1]!, ...words.slice(1)];
    while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words = words.slice(1);
    if (/(^|\/)node$/.test(words[0] ?? '')) {
      const script = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
      if (script > 0 && /(^|\/)(run\.js|fleet)$/.test(words[script]!)) out.push(words.slice(script + 1));
    } else if (words[0] === 'fleet' || words[0] === './bin/run.js') out.push(words.slice(1));
  }
  return out;
}

/** Words that stand for something elided (`…`): what follows them is not checked. */
const ELIDED = /^(…|\.\.\.)$/;

/**
 * What is wrong with `fleet ARGS` by the commands' definitions: an unknown command or flag, a
 * missing value, a missing required flag or argument, too many arguments, and a member started
 * beyond loopback without its credentials (it would refuse to start). Empty when nothing is.
 */
export function checkInvocation(manifest: CommandManifest, args: readonly string[]): string[] {
  if (args.length === 0 || args[0]!.startsWith('-')) return []; // `fleet --help`, `fleet --version`
  const found = findCommand(manifest, args);
  if (!found) return [`no command "fleet ${args.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ')}"`];
  const { command, rest } = found;
  const problems: string[] = [];
  const given = new Map<string, string | true>();
  const positional: string[] = [];
  let elided = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (ELIDED.test(word)) {
      elided = true;
      break;
    }
    if (word === '--help' || word === '-h') return [];
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.startsWith('--') ? splitFlag(word.slice(2)) : [charFlag(command, word.slice(1)), undefined];
    const flag = name === undefined ? undefined : (command.flags[name] ?? (name.startsWith('no-') ? negatable(command, name.slice(3)) : undefined));
    if (!flag || name === undefined) {
      problems.push(`fleet ${title(command)}: unknown flag ${word}`);
      continue;
    }
    if (flag.type === 'boolean') given.set(flag.name, true);
    else if (inline !== undefined) given.set(flag.name, inline);
    else if (i + 1 < rest.length && !ELIDED.test(rest[i + 1]!)) given.set(flag.name, rest[++i]!);
    else if (i + 1 < rest.length) given.set(flag.name, '…');
    else problems.push(`fleet ${title(command)}: ${word} needs a value`);
    if (flag.options && typeof given.get(flag.name) === 'string' && given.get(flag.name) !== '…' && !flag.options.includes(given.get(flag.name) as string)) {
      problems.push(`fleet ${title(command)}: ${word} must be one of ${flag.options.join(', ')}`);
    }
  }
  if (!elided) {
    for (const f of Object.values(command.flags)) if (f.required && !given.has(f.name)) problems.push(`fleet ${title(command)}: --${f.name} is required`);
    const args = Object.values(command.args);
    const required = args.filter((a) => a.required).length;
    if (positional.length < required) problems.push(`fleet ${title(command)}: needs ${args.map((a) => a.name.toUpperCase()).join(' ')}`);
  }
  if (command.strict !== false && positional.length > Object.keys(command.args).length) problems.push(`fleet ${title(command)}: unexpected argument ${positional[Object.keys(command.args).length]}`);
  if (command.id === 'node:start' && !elided) problems.push(...checkMemberCredentials(given));
  return problems;
}

/** Mirrors `fleet node start`: a listener beyond loopback needs client, admin and peer credentials. */
function checkMemberCredentials(given: Map<string, string | true>): string[] {
  const listen = given.get('listen');
  if (typeof listen !== 'string' || isLoopbackTarget(listen) || given.has('insecure')) return [];
  const missing = [!given.has('token-file') && '--token-file', !given.has('admin-token-file') && '--admin-token-file', !given.has('peer-secret-file') && !given.has('tls-ca') && '--peer-secret-file (or --tls-ca)'].filter(Boolean);
  return missing.length > 0 ? [`fleet node start --listen ${listen} would refuse to start without ${missing.join(', ')}`] : [];
}

/** Whether `host:port` (or a bare host) is on this machine by its spelling. */
export function isLoopbackTarget(address: string): boolean {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

/** Whether a command line reaches beyond this machine: a target address, or a path on a server. */
export function namesAnotherMachine(text: string): boolean {
  for (const args of fleetInvocations(text)) {
    for (let i = 0; i < args.length; i++) {
      if (args[i - 1] === '--address') continue; // a shard's address is data, not a target
      const word = args[i]!;
      if (/^(\/var\/|\/etc\/|~\/)/.test(word)) return true;
      const ips = word.match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? [];
      if (ips.some((ip) => !ip.startsWith('127.'))) return true;
    }
  }
  return false;
}

function findCommand(manifest: CommandManifest, args: readonly string[]): { command: ManifestCommand; rest: string[] } | undefined {
  for (let n = Math.min(args.length, 3); n >= 1; n--) {
    const command = manifest.commands[args.slice(0, n).join(':')];
    if (command) return { command, rest: args.slice(n) };
  }
  return undefined;
}

function splitFlag(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

function charFlag(command: ManifestCommand, char: string): string | undefined {
  return Object.values(command.flags).find((f) => f.char === char)?.name;
}

function negatable(command: ManifestCommand, name: string) {
  const flag = command.flags[name];
  return flag?.type === 'boolean' && flag.allowNo ? flag : undefined;
}

function title(command: ManifestCommand): string {
  return command.id.split(':').join(' ');
}
