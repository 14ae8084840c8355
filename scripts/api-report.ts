/**
 * The API report of the library entry (etc/fleet.api.md, api-extractor.json), from the
 * declarations `npm run build` emitted: checked by default, rewritten with --update.
 * A stale report fails in one line that names the command to run; anything else API Extractor
 * reports (an error in the declarations, a type the entry uses but does not export) is printed whole.
 *
 * Run: node --import tsx scripts/api-report.ts [--update]   (after npm run build; npm run api updates)
 */
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { fileURLToPath } from 'node:url';

const update = process.argv.includes('--update');
const config = ExtractorConfig.loadFileAndPrepare(fileURLToPath(new URL('../api-extractor.json', import.meta.url)));
const problems: string[] = [];
const result = Extractor.invoke(config, {
  localBuild: update,
  messageCallback: (m: ExtractorMessage) => {
    // The report's own verdict is read from the result below; other errors and warnings are problems.
    if (['console-api-report-changed', 'console-api-report-created', 'console-api-report-not-copied', 'console-api-report-copied'].includes(m.messageId) || m.logLevel === 'info' || m.logLevel === 'verbose') {
      m.handled = true;
      return;
    }
    if (m.logLevel === 'none') return;
    problems.push(m.formatMessageWithLocation(process.cwd()));
    m.handled = true;
  },
});
for (const p of problems) process.stderr.write(`${p}\n`);
if (!update && result.apiReportChanged) {
  process.stderr.write(`etc/fleet.api.md is stale: the public surface of 'fleet' changed; run \`npm run build && npm run api\` and commit etc/fleet.api.md\n`);
  process.exitCode = 1;
} else if (!result.succeeded || problems.length > 0) {
  process.exitCode = 1;
} else if (update && result.apiReportChanged) {
  process.stdout.write('etc/fleet.api.md updated\n');
}
