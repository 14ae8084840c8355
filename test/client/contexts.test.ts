import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextError, ContextStore, configDir, readTokenFile } from '../../src/client/contexts.js';

let dir: string;
let store: ContextStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-ctx-'));
  store = new ContextStore({ dir: join(dir, 'fleet') });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the parse cache', () => {
  const cacheOf = () => join(store.dir, '.contexts.yaml.cache.json');

  it('follows hand edits of the YAML, and never keeps an invalid document', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'] });
    expect(JSON.parse(readFileSync(cacheOf(), 'utf8')).doc.contexts.a.endpoints).toEqual(['127.0.0.1:7781']);
    // An operator edits the file: the next read sees the edit, not the cached document.
    writeFileSync(store.file, readFileSync(store.file, 'utf8').replace('127.0.0.1:7781', '10.1.1.1:7781'));
    expect((await store.get('a'))?.endpoints).toEqual(['10.1.1.1:7781']);
    expect(JSON.parse(readFileSync(cacheOf(), 'utf8')).doc.contexts.a.endpoints).toEqual(['10.1.1.1:7781']);
    // An edit that breaks the schema is an error every time, though JSON could not tell .inf from null.
    writeFileSync(store.file, 'current: .inf\ncontexts: {}\n');
    await expect(store.current()).rejects.toThrow(/invalid at current/);
    await expect(store.current()).rejects.toThrow(/invalid at current/);
    writeFileSync(store.file, 'contexts: [unclosed\n');
    await expect(store.list()).rejects.toThrow(/is not valid YAML/);
  });

  it('is only a cache: a corrupt or unwritable one costs a parse, not a failure', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'] });
    writeFileSync(cacheOf(), '{"hash": "not json');
    expect((await store.current())?.name).toBe('a');
    // A cached document under the wrong hash is ignored.
    writeFileSync(cacheOf(), JSON.stringify({ hash: 'x', doc: { current: null, contexts: {} } }));
    expect((await store.current())?.name).toBe('a');
  });
});

describe('ContextStore', () => {
  it('starts empty', async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.current()).toBeUndefined();
  });

  it('puts, lists, uses and removes contexts; the first one becomes current', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'] });
    await store.put('b', { endpoints: ['10.0.0.1:7781', '10.0.0.2:7781'], tokenFile: 'tok' });
    expect((await store.current())?.name).toBe('a');
    expect((await store.list()).map((c) => [c.name, c.current])).toEqual([['a', true], ['b', false]]);
    expect((await store.get('b'))?.tokenFile).toBe(join(process.cwd(), 'tok'));
    await store.use('b');
    expect((await store.current())?.name).toBe('b');
    expect(await store.remove('b')).toBe(true);
    expect(await store.remove('b')).toBe(false);
    expect(await store.current()).toBeUndefined();
  });

  it('writes a private file', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'], local: { dataDir: '/tmp/d' } });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(store.file, 'utf8')).toContain('dataDir: /tmp/d');
  });

  it('refuses unknown contexts and bad names, naming what exists', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'] });
    await expect(store.use('zz')).rejects.toThrow(/no context named "zz" in .*contexts\.yaml; known: a/);
    await expect(store.put('bad name', { endpoints: ['h:1'] })).rejects.toThrow(ContextError);
  });

  it('validates the file on read, naming the file and the field', async () => {
    await store.put('a', { endpoints: ['127.0.0.1:7781'] });
    writeFileSync(store.file, 'current: a\ncontexts:\n  a:\n    endpoints: [not-an-endpoint]\n');
    await expect(store.list()).rejects.toThrow(`${store.file} is invalid at contexts.a.endpoints.0`);
    writeFileSync(store.file, 'current: [');
    await expect(store.list()).rejects.toThrow(`${store.file} is not valid YAML`);
    writeFileSync(store.file, 'current: b\ncontexts: {}\n');
    await expect(store.list()).rejects.toThrow(/current context "b" is not defined/);
  });

  it('loses no update when writers race', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => new ContextStore({ dir: store.dir }).put(`c${i}`, { endpoints: [`127.0.0.1:${7000 + i}`] })));
    expect((await store.list()).map((c) => c.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
  });
});

describe('configDir', () => {
  it('prefers FLEET_CONFIG_DIR, then XDG_CONFIG_HOME', () => {
    expect(configDir({ FLEET_CONFIG_DIR: '/x/y' })).toBe('/x/y');
    expect(configDir({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/fleet');
    expect(configDir({})).toMatch(/\.config\/fleet$/);
  });
});

describe('readTokenFile', () => {
  it('trims and refuses empty files', async () => {
    const f = join(dir, 't');
    writeFileSync(f, 'secret\n');
    expect(await readTokenFile(f)).toBe('secret');
    writeFileSync(f, '\n');
    await expect(readTokenFile(f)).rejects.toThrow(/is empty/);
    await expect(readTokenFile(join(dir, 'none'), 'admin token')).rejects.toThrow(/cannot read the admin token file/);
  });
});
