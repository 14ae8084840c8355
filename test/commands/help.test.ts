import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Help is part of the product: every command explains itself and shows at least one way to run
 * it, every topic says what it groups, and `fleet --help` has both. A new command (or topic)
 * without them fails here, from the sources, before any build.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const commandsDir = join(root, 'src', 'commands');
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  oclif: { description?: string; topics?: Record<string, TopicSpec> };
};

interface TopicSpec {
  description?: string;
  subtopics?: Record<string, TopicSpec>;
}

interface CommandClass {
  summary?: string;
  description?: string;
  examples?: readonly (string | { command: string; description: string })[];
  hidden?: boolean;
}

/** Command ids (`leases renew`) and files, as oclif discovers them (`index` names its directory). */
function commandFiles(dir = commandsDir): { id: string; file: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return commandFiles(path);
    if (!/\.tsx?$/.test(e.name) || e.name.endsWith('.d.ts')) return [];
    const parts = relative(commandsDir, path).replace(/\.tsx?$/, '').split(sep);
    if (parts.at(-1) === 'index') parts.pop();
    return [{ id: parts.join(' '), file: path }];
  });
}

/** Every topic (`rebind`, `rebind plan`) that has a command under it. */
function topicsOf(ids: readonly string[]): string[] {
  const topics = new Set<string>();
  for (const id of ids) {
    const words = id.split(' ');
    for (let n = 1; n < words.length; n++) topics.add(words.slice(0, n).join(' '));
  }
  return [...topics].sort();
}

function topicDescription(topic: string): string | undefined {
  let spec: TopicSpec | undefined = { subtopics: pjson.oclif.topics ?? {} };
  for (const word of topic.split(' ')) spec = spec?.subtopics?.[word];
  return spec?.description;
}

function exampleCommand(e: string | { command: string }): string {
  return typeof e === 'string' ? e : e.command;
}

const commands = commandFiles();

describe('help', () => {
  it('finds the command tree', () => {
    expect(commands.map((c) => c.id)).toEqual(expect.arrayContaining(['init', 'status', 'leases renew', 'quotas remove', 'node start']));
  });

  it.each(commands)('$id has a summary or description and at least one example that runs it', async ({ id, file }) => {
    const mod = (await import(file)) as { default?: CommandClass };
    const cmd = mod.default;
    expect(cmd, `${file} has no default export`).toBeDefined();
    if (cmd!.hidden) return;
    expect((cmd!.summary ?? cmd!.description ?? '').trim().length, `${id}: summary or description`).toBeGreaterThan(10);
    expect(cmd!.examples?.length ?? 0, `${id}: examples`).toBeGreaterThanOrEqual(1);
    for (const e of cmd!.examples!) expect(exampleCommand(e), `${id}: an example runs the command`).toMatch(new RegExp(`<%= config\\.bin %> ${id}\\b`));
  });

  it.each(topicsOf(commands.map((c) => c.id)))('topic "%s" has a description in package.json (oclif.topics)', (topic) => {
    expect(topicDescription(topic)?.trim().length ?? 0).toBeGreaterThan(10);
  });

  it('fleet --help has a description and examples', () => {
    const [summary, ...rest] = (pjson.oclif.description ?? '').split('\n');
    expect(summary!.length).toBeGreaterThan(10);
    expect(rest.join('\n')).toMatch(/\$ <%= config\.bin %> \w+/);
  });
});
