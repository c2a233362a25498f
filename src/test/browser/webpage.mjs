// End-to-end test of the metis serve web page in headless Debian Chromium (run by WebPageIT).
//   node webpage.mjs URL ADMIN_TOKEN SCREENSHOT.png EXPECTED.json
// EXPECTED.json: {"nodes": [{"name", "class", "mac", "ip"}...], "discovered": [MAC...], "rearm": NODE,
//                 "removed": {"node", "path", "by", "value"}: a value a null removed, as the node's config shows it,
//                 "missing": {"field", "problem"}: a file REARM needs that the server reports missing}
// Exits 0 when every check passes, 1 with the failed check on stderr.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, token, screenshot, expectedFile] = process.argv.slice(2);
if (!expectedFile) {
  console.error('usage: node webpage.mjs URL ADMIN_TOKEN SCREENSHOT.png EXPECTED.json');
  process.exit(2);
}
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const origin = new URL(base).origin;

let step = 'start';

function check(condition, what, detail = '') {
  if (!condition) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
}

const cells = (page, selector) => page.$$eval(`${selector} tbody tr`,
  (rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim())));

// A fresh profile, and no traffic of Chromium's own (updates, sync, QUIC probes): the page and the
// server under test are all it talks to.
const profile = mkdtempSync(join(tmpdir(), 'metis-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const problems = [];
const outside = [];
// Anything the page asks of another origin would be a CSP or asset mistake: refuse and report it.
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (new URL(url).origin === origin) return route.continue();
  outside.push(url);
  return route.abort();
});

const page = context.pages()[0] ?? await context.newPage();
try {
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Failed requests are judged by their responses below (the wrong-token 403 is expected), not by
  // the console line Chromium logs for each.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !(response.status() === 403 && response.url().endsWith('/reprovision'))) {
      problems.push(`${response.status()} for ${response.url()}`);
    }
  });

  step = 'overview';
  await page.goto(base);
  await page.waitForSelector('#nodes tbody tr');
  const rows = (await cells(page, '#nodes')).map(([name, cls, mac, ip]) => ({ name, class: cls, mac, ip }));
  const byName = (a, b) => a.name.localeCompare(b.name);
  const want = expected.nodes.map((n) => ({ name: n.name, class: n.class, mac: n.mac, ip: n.ip }));
  check(JSON.stringify(rows.sort(byName)) === JSON.stringify(want.sort(byName)),
    'the node table shows the inventory', JSON.stringify(rows));

  const discovered = await cells(page, '#discovered');
  for (const mac of expected.discovered) {
    const row = discovered.find((r) => r[0] === mac);
    check(row, `discovered MAC ${mac} is listed`, JSON.stringify(discovered));
    check(row[4].includes(`new-node: {class: CLASS, mac: "${mac}"`), 'its inventory snippet', row[4]);
  }
  check((await cells(page, '#events')).some((r) => r[1] === expected.rearm && r[2] === 'phone-home'),
    `the boot events show ${expected.rearm} phoning home`);
  check((await cells(page, '#burns')).length > 0, 'the burn history is shown');
  const missing = (await cells(page, '#assets')).find(([nodes, field]) => nodes.split(', ').includes(expected.rearm)
    && field === expected.missing.field);
  check(missing && missing[3].includes(expected.missing.problem), `the files ${expected.rearm} misses are shown`,
    JSON.stringify(missing));

  step = 'node page';
  await page.click(`#nodes a[href="#/nodes/${expected.rearm}"]`);
  await page.waitForSelector('#config tbody tr');
  const config = await cells(page, '#config');
  const secrets = config.filter((r) => r[0].startsWith('secrets.'));
  check(secrets.length > 0 && secrets.every((r) => r[1] === '<redacted>' && r[2] === 'secret source'),
    'the merged config shows secrets redacted', JSON.stringify(secrets));
  const role = config.find((r) => r[0] === 'k3s.role');
  check(role && /^class /.test(role[2]) && /^inventory\.yaml:\d+$/.test(role[3]),
    'the merged config shows where each value was set', JSON.stringify(role));
  check(await page.textContent('#node-state') === 'provisioned', `${expected.rearm} starts provisioned`);
  const files = await page.textContent('#node-assets');
  check(files.includes(expected.missing.field) && files.includes(expected.missing.problem),
    'the node page names the files it misses', files);

  step = 're-arm';
  await page.fill('#admin-token', 'not-the-token');
  await page.click('#rearm');
  await page.waitForSelector('#rearm-message.error');
  const refused = await page.textContent('#rearm-message');
  check(refused.includes('403') && refused.includes('wrong admin token'), 'a wrong token is refused clearly', refused);
  check(await page.textContent('#node-state') === 'provisioned', 'a refused re-arm changes nothing');

  await page.fill('#admin-token', token);
  await page.click('#rearm');
  await page.waitForSelector('#node-state [data-state="armed"]');
  check((await page.textContent('#rearm-message')).includes('is now armed'), 'the re-arm is confirmed');
  const storage = await page.evaluate(() => ({ session: sessionStorage.getItem('metis-admin-token'), local: localStorage.length }));
  check(storage.session === token && storage.local === 0, 'the token is kept in sessionStorage only');
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-node.png'), fullPage: true });

  step = 'back to the overview';
  await page.click('a[href="#/"]');
  await page.waitForSelector(`#nodes tr[data-node="${expected.rearm}"] [data-state="armed"]`);
  await page.screenshot({ path: screenshot, fullPage: true });

  step = 'a removed value';
  const { removed } = expected;
  await page.click(`#nodes a[href="#/nodes/${removed.node}"]`);
  await page.waitForFunction((name) => document.querySelector('h1')?.textContent === name, removed.node);
  await page.waitForSelector('#config tbody tr');
  const removal = (await cells(page, '#config')).find((r) => r[0] === removed.path);
  check(removal && removal[1].startsWith(removed.value) && removal[2] === removed.by
    && /^inventory\.yaml:\d+$/.test(removal[3]), 'the merged config shows what a null removed', JSON.stringify(removal));

  check(problems.length === 0, 'the page ran without errors', problems.join('; '));
  check(outside.length === 0, 'the page asked nothing of another origin', outside.join(' '));
  console.log(`ok: ${rows.length} nodes, ${expected.rearm} re-armed; screenshot ${screenshot}`);
} catch (error) {
  console.error(`FAILED at ${step}: ${error.message}`);
  if (problems.length > 0) console.error(problems.join('\n'));
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
