import { Args, Flags } from '@oclif/core';
import { readFile, writeFile } from 'node:fs/promises';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { renderHtmlReport } from '../../cli/drill-command.js';
import { CliError, EXIT } from '../../common/errors.js';

/** What `fleet drill report` wrote (its --json document). */
interface RebuiltReport {
  readonly drill: string;
  readonly verdict: string;
  readonly rounds: number;
  readonly html: string | null;
  readonly junit: string | null;
}

export default class DrillReportCommand extends FleetCommand {
  static override summary = 'Rebuild a drill\'s HTML report or JUnit XML from its saved history and JSON report.';
  static override description = `For a drill run elsewhere (a remote box, a CI job): give it the history the drill wrote with --history and the JSON report it wrote with --report FILE.json (or printed with --json) — e.g. after fleet drill kill-leader --history drill.jsonl --report drill.json — and it writes the same HTML page (--html) and JUnit XML (--junit) the drill would have written itself. Offline: it talks to no cluster.

Exit 0 once the files are written (the drill's verdict is in them, and in --json); 1 if a file cannot be read or the two files are not from the same run; 2 without --html or --junit.`;
  static override examples = [
    '<%= config.bin %> drill report drill.jsonl drill.json --html drill.html',
    '<%= config.bin %> drill report drill.jsonl drill.json --html drill.html --junit drill.xml',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = {
    history: Args.string({ description: 'the history the drill wrote (--history FILE)', required: true }),
    report: Args.string({ description: 'the JSON report the drill wrote (--report FILE.json, or its --json output)', required: true }),
  };
  static override flags = {
    html: Flags.string({ description: 'write the HTML report (charts per round, tables, verdict) to this file', helpValue: '<file.html>' }),
    junit: Flags.string({ description: 'write JUnit XML (a test suite per round, a test case per check) to this file', helpValue: '<file.xml>' }),
  };

  async run(): Promise<RebuiltReport> {
    const { args, flags } = await this.parse(DrillReportCommand);
    if (flags.html === undefined && flags.junit === undefined) throw new CliError('nothing to write: pass --html FILE, --junit FILE or both', { exitCode: EXIT.usage, hint: this.helpHint() });
    const { parseDrillReport, parseDrillHistory, DrillFileError } = await import('../../ops/drill/report/report-file.js');
    const read = (file: string): Promise<string> => readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
    });
    let report, history;
    try {
      report = parseDrillReport(await read(args.report), args.report);
      history = parseDrillHistory(await read(args.history), args.history, report);
    } catch (err) {
      if (err instanceof DrillFileError) throw new CliError(err.message, { cause: err, code: 'BAD_DRILL_FILE' });
      throw err;
    }
    if (flags.html !== undefined) await writeFile(flags.html, await renderHtmlReport(report, history), 'utf8');
    if (flags.junit !== undefined) {
      const { renderDrillJunit } = await import('../../ui/drill/drill-junit.js');
      await writeFile(flags.junit, renderDrillJunit(report), 'utf8');
    }
    const written = [flags.html, flags.junit].filter((f): f is string => f !== undefined);
    if (!this.jsonEnabled()) this.log(`wrote ${written.join(' and ')} (${report.drill}, ${report.rounds.length} round${report.rounds.length === 1 ? '' : 's'}, verdict ${report.verdict})`);
    return { drill: report.drill, verdict: report.verdict, rounds: report.rounds.length, html: flags.html ?? null, junit: flags.junit ?? null };
  }
}
