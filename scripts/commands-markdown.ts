/**
 * The command reference (docs/commands.md) rendered from oclif's manifest, in the spirit of
 * `oclif readme`, which is not installed here. Pure: the same manifest always gives the same
 * text, so test/cli/docs-stale.test.ts can render it in memory and compare.
 *
 * `loadCommandManifest` computes the manifest from the compiled commands in dist/ rather than
 * reading oclif.manifest.json, which only `npm run build` refreshes.
 */
import { Plugin } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a manifest entry the reference shows (oclif's `Command.Cached`, loosely). */
export interface ManifestFlag {
  readonly name: string;
  readonly type: 'boolean' | 'option';
  readonly char?: string;
  readonly description?: string;
  readonly summary?: string;
  readonly helpGroup?: string;
  readonly helpValue?: string | string[];
  readonly required?: boolean;
  readonly multiple?: boolean;
  readonly options?: readonly string[];
  readonly default?: unknown;
  readonly env?: string;
  readonly allowNo?: boolean;
  readonly hidden?: boolean;
}

export interface ManifestArg {
  readonly name: string;
  readonly description?: string;
  readonly required?: boolean;
  readonly options?: readonly string[];
}

export interface ManifestCommand {
  readonly id: string;
  readonly summary?: string;
  readonly description?: string;
  readonly hidden?: boolean;
  readonly aliases?: readonly string[];
  readonly examples?: readonly (string | { description?: string; command: string })[];
  readonly flags: Readonly<Record<string, ManifestFlag>>;
  readonly args: Readonly<Record<string, ManifestArg>>;
  /** False when the command takes any number of arguments. */
  readonly strict?: boolean;
}

export interface CommandManifest {
  readonly version: string;
  readonly commands: Readonly<Record<string, ManifestCommand>>;
}

/** The root package's commands, as oclif discovers them in dist/commands (no plugins). */
export async function loadCommandManifest(root: string): Promise<CommandManifest> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Production mode reads commands from dist/ as bin/run.js does, not from the sources.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const plugin = new Plugin({ root, pjson: pjson as never, isRoot: true, ignoreManifest: true });
    await plugin.load();
    const manifest = plugin.manifest as unknown as CommandManifest;
    if (Object.keys(manifest.commands).length === 0) throw new Error(`no commands under ${root}/dist/commands: build first (npm run build)`);
    return manifest;
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

/** What a developer runs to regenerate docs/commands.md. */
export const REGENERATE = 'npm run docs:commands';

const HEADER = [
  '# Command reference',
  '',
  `<!-- Generated from the commands' definitions by \`${REGENERATE}\`; do not edit by hand. -->`,
  '',
  'Every command also prints this with `fleet COMMAND --help`. Flags shared by the commands that',
  'talk to a cluster (`--context`, `--endpoints`, `--token`, TLS, `--engine`, `--timeout`) and the',
  'global ones (`--json`, `--debug`) are described once, under [Shared flags](#shared-flags). Exit',
  'codes are in the [README](../README.md#exit-codes).',
  '',
];

/** docs/commands.md: a contents list, then one section per visible command, sorted by name. */
export function renderCommandsMarkdown(manifest: CommandManifest): string {
  const commands = visibleCommands(manifest);
  const shared = sharedFlagRows(commands);
  const contents = commands.map((c) => `- [\`${title(c)}\`](#${anchor(c)})${c.summary ? ` — ${prose(c.summary)}` : ''}`);
  return [...HEADER, ...contents, '', ...renderSharedFlags(shared), ...commands.flatMap((c) => renderCommand(c, shared))].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** Each command's section on its own, keyed by its title (`fleet rebind plan apply`): for naming what is stale. */
export function commandSections(manifest: CommandManifest): Map<string, string> {
  const commands = visibleCommands(manifest);
  const shared = sharedFlagRows(commands);
  return new Map(commands.map((c) => [title(c), renderCommand(c, shared).join('\n')]));
}

/** Splits a rendered docs/commands.md back into its sections, keyed like `commandSections`. */
export function sectionsOf(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const part of markdown.split(/^(?=## `)/m).slice(1)) {
    const name = /^## `([^`]+)`/.exec(part)?.[1];
    if (name) sections.set(name, part.trimEnd());
  }
  return sections;
}

function visibleCommands(manifest: CommandManifest): ManifestCommand[] {
  return Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => title(a).localeCompare(title(b)));
}

function title(c: ManifestCommand): string {
  return `fleet ${c.id.split(':').join(' ')}`;
}

/** GitHub's heading anchor for `## \`fleet a b\``. */
function anchor(c: ManifestCommand): string {
  return title(c).toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

function renderCommand(c: ManifestCommand, shared: Map<string, string>): string[] {
  const lines = [`## \`${title(c)}\``, ''];
  if (c.summary) lines.push(prose(c.summary), '');
  lines.push('```text', usage(c), '```', '');
  const args = Object.values(c.args);
  if (args.length > 0) lines.push('| argument | description |', '| --- | --- |', ...args.map(argRow), '');
  const flags = Object.values(c.flags).filter((f) => !f.hidden);
  const isShared = (f: ManifestFlag) => shared.get(f.name) === flagRow(f);
  const own = flags.filter((f) => !isShared(f));
  if (own.length > 0) lines.push('| flag | description |', '| --- | --- |', ...own.map(flagRow), '');
  const also = flags.filter(isShared).map((f) => `[\`--${f.name}\`](#${SHARED_ANCHOR})`);
  if (also.length > 0) lines.push(`Also: ${also.join(', ')}.`, '');
  if (c.description) lines.push('```text', bin(c.description).trimEnd(), '```', '');
  if (c.aliases && c.aliases.length > 0) lines.push(`Aliases: ${c.aliases.map((a) => `\`fleet ${a.split(':').join(' ')}\``).join(', ')}.`, '');
  const examples = (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command));
  if (examples.length > 0) lines.push('Examples:', '', '```sh', ...examples.map((e) => bin(e).replace(/^\$ /, '')), '```', '');
  return lines;
}

/** `fleet rebind CLUSTER --to <shard> [FLAGS]`: arguments and required flags spelled out. */
function usage(c: ManifestCommand): string {
  const args = Object.values(c.args).map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`));
  const flags = Object.values(c.flags);
  const required = flags.filter((f) => f.required).map((f) => `--${f.name} ${valueOf(f)}`);
  const optional = flags.some((f) => !f.required && !f.hidden) ? ['[FLAGS]'] : [];
  return [title(c), ...args, ...required, ...optional].join(' ');
}

const SHARED_ANCHOR = 'shared-flags';
const SHARED_GROUPS = new Set(['TARGET', 'GLOBAL']);

/**
 * The TARGET and GLOBAL flags, each described once as most commands spell it (its table row by
 * flag name). A command whose flag reads otherwise (another default) lists it with its own.
 */
function sharedFlagRows(commands: ManifestCommand[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const c of commands) {
    for (const f of Object.values(c.flags)) {
      if (f.hidden || f.helpGroup === undefined || !SHARED_GROUPS.has(f.helpGroup)) continue;
      const rows = counts.get(f.name) ?? new Map<string, number>();
      rows.set(flagRow(f), (rows.get(flagRow(f)) ?? 0) + 1);
      counts.set(f.name, rows);
    }
  }
  const best = (rows: Map<string, number>) => [...rows].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  return new Map([...counts].map(([name, rows]) => [name, best(rows)]));
}

function renderSharedFlags(shared: Map<string, string>): string[] {
  return ['## Shared flags', '', 'Where a command lists them, these flags mean the same everywhere.', '', '| flag | description |', '| --- | --- |', ...shared.values(), ''];
}

function valueOf(f: ManifestFlag): string {
  if (f.options && f.options.length > 0) return `<${f.options.join('|')}>`;
  const help = Array.isArray(f.helpValue) ? f.helpValue.join(' ') : f.helpValue;
  return help ?? '<value>';
}

function argRow(a: ManifestArg): string {
  const notes = [a.required ? 'required' : 'optional', a.options ? `one of ${a.options.join(', ')}` : ''].filter(Boolean);
  return `| \`${a.name.toUpperCase()}\` | ${cell(a.description ?? '')} (${notes.join('; ')}) |`;
}

function flagRow(f: ManifestFlag): string {
  const names = [f.char ? `-${f.char}` : '', f.type === 'boolean' && f.allowNo ? `--[no-]${f.name}` : `--${f.name}`].filter(Boolean).join(', ');
  const spelled = f.type === 'option' ? `${names} ${valueOf(f)}` : names;
  const notes = [
    f.required ? 'required' : '',
    f.multiple ? 'repeatable' : '',
    f.type === 'option' && f.default !== undefined && f.default !== '' ? `default: ${String(f.default)}` : '',
    f.env ? `env ${f.env}` : '',
    f.helpGroup ? f.helpGroup.toLowerCase() : '',
  ].filter(Boolean);
  const text = cell(f.summary ?? f.description ?? '');
  return `| \`${spelled.replace(/\|/g, '\\|')}\` | ${text}${notes.length > 0 ? ` (${notes.join('; ')})` : ''} |`;
}

function bin(text: string): string {
  return text.replace(/<%= config\.bin %>/g, 'fleet').replace(/<%= command\.id %>/g, 'COMMAND');
}

function oneLine(text: string): string {
  return bin(text).replace(/\s*\n\s*/g, ' ').trim();
}

/** Text outside code: one line, with what Markdown would read as markup escaped. */
function prose(text: string): string {
  // Odd parts are `code spans`, which Markdown shows as they are.
  return oneLine(text).split('`').map((part, i) => (i % 2 === 1 ? part : part.replace(/([\\*_<>[\]])/g, '\\$1'))).join('`');
}

/** A table cell: prose with pipes escaped. */
function cell(text: string): string {
  return prose(text).replace(/\|/g, '\\|');
}
