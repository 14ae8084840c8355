/**
 * `fleet/embed` as an application uses it: a program imports it by the package's name, hosts a
 * member alone, waits for it to be ready, writes and reads through it, and stops it; the program
 * then ends by itself (the member left no handle open), having installed no signal handler and
 * written nothing to stderr. Bad options and a taken port are refused with a code (a taken port
 * once made grpc-js write its own line to the host's stderr, issue 57).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runProgram, tempDir } from './processes.js';

const dir = tempDir('fleet-embed-');
afterAll(() => dir.cleanup());

describe('fleet/embed', () => {
  it('hosts a member in the application, which ends on its own once the member is stopped', async () => {
    const script = fileURLToPath(new URL('./embed/solo.mjs', import.meta.url));
    const r = await runProgram(process.execPath, [script, join(dir.path, 'app1'), `127.0.0.1:${await freePort()}`, join(dir.path, 'app2')], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      value: '42',
      signalHandlers: 0,
      bad: 'BAD_MEMBER_OPTIONS',
      taken: { code: 'PORT_IN_USE', retryable: false },
      ready: 'app1',
      state: 'stopped',
      role: 'stopped',
    });
    expect(r.stderr).toBe('');
  }, 30_000);
});
