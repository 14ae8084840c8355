// Preloaded into members by bench/memory-probe.ts (`--import`): on SIGUSR2, writes the member's
// process.memoryUsage() and V8 heap spaces to $FLEET_MEMORY_REPORT_DIR/PID.json. Bench only.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = process.env.FLEET_MEMORY_REPORT_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
    writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ usage: process.memoryUsage(), spaces }));
  });
}
