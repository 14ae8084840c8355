/**
 * Contender processes of the recipes' long tests: each a script run as a user's program runs
 * (no fleet context, the cluster's endpoints in FLEET_ENDPOINTS), printing one JSON line per
 * hold. Every process started here is SIGKILLed by `stop()`.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnProgram, stopChild, tempDir } from '../processes.js';

export interface Contender {
  readonly label: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const root = fileURLToPath(new URL('../../..', import.meta.url));

export class Contenders {
  readonly all: Contender[] = [];
  readonly #config = tempDir('fleet-contenders-config-');

  /** `script` beside this module (`contender.mjs`). */
  constructor(private readonly script: string) {}

  /** Starts `script` with `args` against `endpoints`; it is counted in `all`. */
  start(label: string, endpoints: readonly string[], args: readonly (string | number)[]): Contender {
    const env = { FLEET_ENDPOINTS: endpoints.join(','), FLEET_CONFIG_DIR: this.#config.path, FLEET_CONTEXT: '', FLEET_TOKEN: '' };
    const path = fileURLToPath(new URL(`./${this.script}`, import.meta.url));
    const { child, output } = spawnProgram([path, ...args.map(String)], { cwd: root, env });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const c = { label, child, output, exited };
    this.all.push(c);
    return c;
  }

  /** The JSON lines starting with `prefix` that `list` printed. */
  static lines<T>(list: readonly Contender[], prefix: string): T[] {
    return list.flatMap((c) => c.output().split('\n').filter((l) => l.startsWith(prefix)).map((l) => JSON.parse(l) as T));
  }

  /** Each contender's last output, then `clusterLogs`: what a failed assertion shows. */
  logs(clusterLogs: string): string {
    return this.all.map((c) => `--- ${c.label}\n${c.output().slice(-1500)}`).join('\n') + `\n${clusterLogs}`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((c) => stopChild(c.child, 'SIGKILL')));
    this.#config.cleanup();
  }
}
