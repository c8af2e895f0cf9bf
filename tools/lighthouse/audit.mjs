// Runs Lighthouse's accessibility and best-practices audits over a list of Agora's pages with
// one Chromium, and prints one JSON object: each page's scores and the audits it failed.
//
//   node audit.mjs pages.json
//
// pages.json: [{"name": "home", "url": "http://127.0.0.1:8000/", "cookies": {"sessionid": "…"},
//               "mobile": false}]
// A page's cookies are set in the browser before it is audited (so it is seen by a signed-in
// person; Lighthouse keeps cookies between runs, so every page states its own, none for a
// visitor). CHROME_PATH chooses the browser (default /usr/bin/chromium).
import { readFile } from 'node:fs/promises';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const CATEGORIES = ['accessibility', 'best-practices'];
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function failedAudits(result) {
  const failed = [];
  for (const category of CATEGORIES) {
    for (const ref of result.categories[category].auditRefs) {
      const audit = result.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        const items = (audit.details && audit.details.items) || [];
        const where = items
          .slice(0, 5)
          .map((item) => (item.node && (item.node.snippet || item.node.selector)) || item.source?.url || item.description || '')
          .filter(Boolean);
        failed.push({ category, id: ref.id, title: audit.title, score: audit.score, where });
      }
    }
  }
  return failed;
}

// The browser's cookies become exactly `cookies` for the page's site.
async function useCookies(browser, url, cookies) {
  const page = await browser.newPage();
  try {
    const client = await page.createCDPSession();
    await client.send('Network.clearBrowserCookies');
    for (const [name, value] of Object.entries(cookies || {})) {
      await client.send('Network.setCookie', { name, value, url });
    }
  } finally {
    await page.close();
  }
}

async function main() {
  const pages = JSON.parse(await readFile(process.argv[2], 'utf8'));
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    chromeFlags: CHROME_FLAGS,
  });
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const report = [];
  try {
    for (const page of pages) {
      await useCookies(browser, page.url, page.cookies);
      const flags = {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: CATEGORIES,
        formFactor: page.mobile ? 'mobile' : 'desktop',
        screenEmulation: page.mobile
          ? { mobile: true, width: 390, height: 844, deviceScaleFactor: 2, disabled: false }
          : { mobile: false, width: 1366, height: 900, deviceScaleFactor: 1, disabled: false },
      };
      const runner = await lighthouse(page.url, flags);
      const result = runner.lhr;
      const scores = {};
      for (const category of CATEGORIES) {
        scores[category] = Math.round(result.categories[category].score * 100);
      }
      report.push({
        name: page.name,
        url: page.url,
        final_url: result.finalDisplayedUrl,
        scores,
        failed: failedAudits(result),
        runtime_error: result.runtimeError ? result.runtimeError.message : null,
      });
    }
  } finally {
    browser.disconnect();
    await chrome.kill();
  }
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
