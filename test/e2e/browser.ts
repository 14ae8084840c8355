import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

/** Debian's Chromium (`.ci/run` installs it); puppeteer-core drives it and downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** What a page showed in a real browser. */
export interface PageLook {
  /** Console errors and uncaught exceptions. */
  readonly errors: readonly string[];
  /** Requests for anything but the file itself (a self-contained page makes none). */
  readonly requests: readonly string[];
  /** Per chart (inline SVG): how many marks it drew and its size on the page. */
  readonly charts: readonly { readonly marks: number; readonly width: number; readonly height: number }[];
  /** Each latency table's rows as the page shows them (cells' text), per round. */
  readonly latencyTables: readonly (readonly (readonly string[])[])[];
  readonly title: string;
}

/** Opens `file` in headless Chromium and reports what it rendered and logged. */
export async function lookAt(file: string): Promise<PageLook> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    const charts = await page.$$eval('figure svg', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return { marks: svg.querySelectorAll('path, line, rect, text').length, width: box.width, height: box.height };
      }),
    );
    const latencyTables = await page.$$eval('.latency table', (tables) =>
      tables.map((t) => [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''))),
    );
    return { errors, requests, charts, latencyTables, title: await page.title() };
  } finally {
    await browser.close();
  }
}
