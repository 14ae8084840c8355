/**
 * Helpers of the CLI end-to-end tests: run the built CLI with a private config dir and no
 * targeting variables leaking in from the environment, and parse its JSON output.
 */
import { expect } from 'vitest';
import { runCli, tempDir } from './processes.js';

/** A sandbox: its own config dir, FLEET_* variables cleared. `cleanup()` removes the dir. */
export function cliSandbox(): { env: NodeJS.ProcessEnv; dir: string; cleanup: () => void } {
  const cfg = tempDir('fleet-cli-cfg-');
  // Empty values count as unset for the CLI, so nothing from the outer environment applies.
  const env = { FLEET_CONFIG_DIR: cfg.path, FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  return { env, dir: cfg.path, cleanup: cfg.cleanup };
}

/** Runs the CLI and returns its parsed JSON output, expecting exit code `code`. */
export async function json<T>(args: string[], env: NodeJS.ProcessEnv, code = 0): Promise<T> {
  const r = await runCli([...args, '--json'], env);
  expect(r.code, `fleet ${args.join(' ')} --json\n${r.stdout}\n${r.stderr}`).toBe(code);
  return JSON.parse(r.stdout) as T;
}

/** Runs the CLI expecting success; returns stdout. */
export async function ok(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCli(args, env);
  expect(r.code, `fleet ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The `--json` error document. */
export interface ErrorDoc {
  error: { code: string; message: string; exitCode: number; hint?: string; details?: Record<string, unknown> };
}
