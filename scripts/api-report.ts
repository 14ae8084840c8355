/**
 * The API report of the library entry (etc/fleet.api.md, api-extractor.json), from the
 * declarations `npm run build` emitted: checked by default, rewritten with --update.
 * A stale report fails in one line that names the command to run; anything else API Extractor
 * reports (an error in the declarations, a type the entry uses but does not export) is printed whole.
 * `--report-folder DIR` compares with (or writes) the report in DIR instead of etc/ (for its test).
 *
 * Run: node --import tsx scripts/api-report.ts [--update] [--report-folder DIR]   (after npm run build; npm run api updates)
 */
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const update = process.argv.includes('--update');
const folderAt = process.argv.indexOf('--report-folder');
const reportFolder = folderAt === -1 ? undefined : resolve(process.argv[folderAt + 1] ?? '.');

const configFile = join(root, 'api-extractor.json');
const configObject = ExtractorConfig.loadFile(configFile);
if (reportFolder !== undefined) configObject.apiReport = { ...configObject.apiReport!, reportFolder };
const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: join(root, 'package.json') });

/** API Extractor's own words about the report; the verdict is read from the result instead. */
const REPORT_MESSAGES = ['console-api-report-changed', 'console-api-report-created', 'console-api-report-not-copied', 'console-api-report-copied'];
const problems: string[] = [];
const result = Extractor.invoke(config, {
  localBuild: update,
  messageCallback: (m: ExtractorMessage) => {
    m.handled = true;
    if (REPORT_MESSAGES.includes(m.messageId) || m.logLevel === 'info' || m.logLevel === 'verbose' || m.logLevel === 'none') return;
    problems.push(m.formatMessageWithLocation(root));
  },
});
for (const p of problems) process.stderr.write(`${p}\n`);
const reportPath = join(config.reportFolder, config.reportConfigs[0]?.fileName ?? 'fleet.api.md');
const report = relative(process.cwd(), reportPath) || reportPath;
if (!update && result.apiReportChanged) {
  process.stderr.write(`${report} is stale: the public surface of 'fleet' changed; run \`npm run build && npm run api\` and commit ${report}\n`);
  process.exitCode = 1;
} else if (!result.succeeded || problems.length > 0) {
  process.exitCode = 1;
} else if (update && result.apiReportChanged) {
  process.stdout.write(`${report} updated\n`);
}
