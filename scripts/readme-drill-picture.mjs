#!/usr/bin/env node
/**
 * The README's picture of a drill report: the first round's charts of an HTML drill report, as
 * a PNG, cut by headless Chromium along the chart's own box. Made on an idle machine from a
 * real drill (README.md, "Reports for people and pipelines", says which):
 *
 *   fleet init && fleet drill kill-leader --rounds 1 --report /tmp/drill.html
 *   node scripts/readme-drill-picture.mjs /tmp/drill.html docs/images/drill-report-kill-leader.png
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const CHROMIUM = '/usr/bin/chromium';
const [report, out] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  process.stderr.write('usage: node scripts/readme-drill-picture.mjs <drill.html> <out.png>\n');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`${CHROMIUM} is missing: apt-get install chromium\n`);
  process.exit(1);
}
const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load', timeout: 60_000 });
  const chart = await page.$('figure svg');
  if (chart === null) throw new Error(`${report} has no chart (is it a drill's HTML report?)`);
  await chart.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
}
