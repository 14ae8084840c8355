import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_FILES_KEPT, logFileCap, MAX_LOG_FILE_BYTES, RotatingLogFile } from '../../../src/core/server/log-file.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-log-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the member log file', () => {
  it('rotates by size, keeps a fixed number of files, and so never holds more than keep × cap', () => {
    const path = join(dir, 'n1.log');
    const failures: Error[] = [];
    const log = new RotatingLogFile(path, 1_000, (err) => failures.push(err));
    for (let i = 0; i < 500; i++) log.write(`${JSON.stringify({ i, msg: 'refused a peer', pad: 'x'.repeat(80) })}\n`);
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['n1.log', 'n1.log.1', 'n1.log.2']);
    const total = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(LOG_FILES_KEPT * 1_000);
    // The newest lines are in the current file, whole.
    const last = readFileSync(path, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ i: 499 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(failures).toEqual([]);
  });

  it('caps each file at 10 MiB, less where that would pass 1% of the disk', () => {
    expect(logFileCap(dir)).toBeLessThanOrEqual(MAX_LOG_FILE_BYTES);
    expect(logFileCap(dir)).toBeGreaterThanOrEqual(256 << 10);
    expect(logFileCap('/nonexistent/dir')).toBe(MAX_LOG_FILE_BYTES);
  });
});
