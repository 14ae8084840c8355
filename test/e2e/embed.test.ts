/**
 * `fleet/embed` as an application uses it: a program imports it by the package's name, hosts a
 * member alone, writes and reads through it, and stops it; the program then ends by itself (the
 * member left no handle open), having installed no signal handler. Bad options are refused with
 * a typed error.
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
    const r = await runProgram(process.execPath, [script, join(dir.path, 'app1'), `127.0.0.1:${await freePort()}`], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ value: '42', signalHandlers: 0, bad: 'BAD_MEMBER_OPTIONS' });
    expect(r.stderr).toBe('');
  }, 30_000);
});
