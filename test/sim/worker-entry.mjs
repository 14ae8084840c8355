// Worker-thread bootstrap for the simulator's pool (pool.ts): registers tsx in this thread,
// since a `--import tsx` in a worker's execArgv does not reach its module loader on Node 20,
// then loads the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
