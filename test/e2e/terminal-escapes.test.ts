/**
 * Data from the cluster cannot drive the operator's terminal: keys, values and audit arguments
 * holding escape sequences (clear screen, retitle, recolour) print escaped in kv list, kv get on a
 * terminal, watch and audit; --json and kv get to a pipe carry them unchanged. Label values and
 * provider endpoints, text that tables show as it is, refuse C1 controls and bidi overrides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli } from './processes.js';

const ESC = '\x1b';
const EVIL_KEY = `k${ESC}]0;pwned${ESC}\\`;
const EVIL_VALUE = `${ESC}[2J${ESC}[31mred\u2028x`;
const sandbox = cliSandbox();
let cluster: TestCluster;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cluster = await TestCluster.start({});
  env = { ...sandbox.env, FLEET_ENDPOINTS: cluster.endpoints.join(','), NO_COLOR: '1' };
  const put = await runCli(['kv', 'put', '--', EVIL_KEY, EVIL_VALUE], env);
  expect(put.code, put.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

describe('escape sequences stored in the cluster', () => {
  it('print escaped in kv list and audit, and whole in --json', async () => {
    for (const args of [['kv', 'list'], ['audit']]) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.includes(ESC), `fleet ${args.join(' ')} printed a raw escape`).toBe(false);
      expect(r.stdout.includes('\u2028'), `fleet ${args.join(' ')} printed a raw line separator`).toBe(false);
      expect(r.stdout).toContain('k\\x1b]0;pwned\\x1b\\');
    }
    const json = await runCli(['kv', 'list', '--json'], env);
    expect(JSON.parse(json.stdout).entries[0]).toMatchObject({ key: EVIL_KEY, value: EVIL_VALUE });
  });

  it('kv get writes the value unchanged to a pipe (it is the output), the terminal case escapes', async () => {
    const r = await runCli(['kv', 'get', '--', EVIL_KEY], env);
    expect(r.stdout).toBe(`${EVIL_VALUE}\n`);
  });
});

describe('names and labels that would print as something else (issue 62)', () => {
  it('shards add and providers add refuse C1 controls and bidi overrides, naming the character, and write nothing', async () => {
    const cases: [string[], string][] = [
      [['shards', 'add', 'evil-1', '--address', 'h:1', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '1', '--label', 'team=gold\u202egnp.exe'], 'U+202E'],
      [['shards', 'add', 'evil-2', '--address', 'h:1', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '1', '--label', 'team=\u009b2J'], 'U+009B'],
      [['shards', 'add', 'evil-3', '--address', 'h:1', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '1', '--label', 'team=\u2066x\u2069'], 'U+2066'],
      [['providers', 'add', 'evil', '--kind', 'cloud', '--region', 'eu', '--endpoint', 'https://x\u009d0;t.example'], 'U+009D'],
    ];
    for (const [args, code] of cases) {
      const r = await runCli(args, env);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain(`must not contain control or bidirectional formatting characters (it holds ${code})`);
      expect(r.stderr, 'the refusal echoed the raw character').not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    const shards = await runCli(['shards', 'list', '--json'], env);
    expect(JSON.parse(shards.stdout).shards).toEqual([]);
    const providers = await runCli(['providers', 'list', '--json'], env);
    expect(JSON.parse(providers.stdout).providers).toEqual([]);
  });
});
