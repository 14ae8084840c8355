/**
 * The API reports of the public entries, from the declarations `npm run build` emitted: the
 * library's (etc/fleet.api.md, api-extractor.json) and the embedding's (etc/fleet-embed.api.md,
 * api-extractor.embed.json). Checked by default, rewritten with --update.
 * A stale report fails in one line that names the command to run; anything else API Extractor
 * reports (an error in the declarations, a type the entry uses but does not export) is printed whole.
 * `--report-folder DIR` compares with (or writes) the reports in DIR instead of etc/ (for its test).
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

/** Each public entry point, its API Extractor config and the package name it is imported by. */
const ENTRIES = [
  { entry: 'fleet', config: 'api-extractor.json' },
  { entry: 'fleet/embed', config: 'api-extractor.embed.json' },
] as const;

/** API Extractor's own words about the report; the verdict is read from the result instead. */
const REPORT_MESSAGES = ['console-api-report-changed', 'console-api-report-created', 'console-api-report-not-copied', 'console-api-report-copied'];

/** Checks (or, with --update, rewrites) one entry's report; false when it is stale or API Extractor found a problem. */
function report(entry: string, configName: string): boolean {
  const configFile = join(root, configName);
  const configObject = ExtractorConfig.loadFile(configFile);
  if (reportFolder !== undefined) configObject.apiReport = { ...configObject.apiReport!, reportFolder };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: join(root, 'package.json') });
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
  const shown = relative(process.cwd(), reportPath) || reportPath;
  if (!update && result.apiReportChanged) {
    process.stderr.write(`${shown} is stale: the public surface of '${entry}' changed; run \`npm run build && npm run api\` and commit ${shown}\n`);
    return false;
  }
  if (update && result.apiReportChanged) process.stdout.write(`${shown} updated\n`);
  return result.succeeded && problems.length === 0;
}

// Every entry is checked, so that one run names every stale report.
const ok = ENTRIES.map(({ entry, config }) => report(entry, config)).every(Boolean);
if (!ok) process.exitCode = 1;
