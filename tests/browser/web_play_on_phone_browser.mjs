// Browser test of the openum web page (issue 5): headless Debian Chromium driven by
// playwright-core logs on, sees the message list, clicks "Play on phone", and watches the
// page show the call's states as the engine reports them, until Disconnected.
// Usage: node web_play_on_phone_browser.mjs BASE_URL ENGINE_LOG
// ENGINE_LOG is the server's stdout, where the engine says what it was asked to dial.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, engineLog] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'openum-chromium-'));

function check(cond, what) {
  if (!cond) throw new Error('FAILED: ' + what);
  console.log('ok: ' + what);
}

const browser = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = browser.pages()[0] || await browser.newPage();
  const external = [];
  const consoleErrors = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
  // refused requests (401 on the first session check, 400 for the bad number) are
  // logged by Chromium as resource errors; only script errors count here
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
  });
  page.on('response', (r) => { if (r.status() === 404) consoleErrors.push('404 ' + r.url()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await page.goto(base);
  await page.waitForSelector('#logon-view:not([hidden])');
  check(true, 'the logon form shows');

  // a wrong PIN first: the page says so and stays on the form
  await page.fill('#address', 'alice@example.com');
  await page.fill('#pin', '000000');
  await page.click('#logon');
  await page.waitForFunction(() => document.getElementById('logon-error').textContent !== '');
  check((await page.textContent('#logon-error')).includes('wrong'), 'a wrong PIN is refused');

  await page.fill('#pin', '246813');
  await page.click('#logon');
  await page.waitForSelector('#mailbox-view:not([hidden])');
  await page.waitForSelector('#messages tbody tr');
  const rows = await page.$$eval('#messages tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.querySelectorAll('td')).slice(0, 5).map((td) => td.textContent)));
  check(rows.length === 3, 'three messages listed');
  check(rows.some((r) => r[0] === 'sip:carol@example.com' && r[3] === '0:02' && r[4] === 'new'),
        'caller, duration and state shown');
  check(rows.some((r) => r[4] === 'saved'), 'saved messages listed too');
  check(await page.inputValue('#dial') === 'sip:alice@example.com',
        'the number field defaults to the owner\'s SIP URI');

  // play in the browser: the <audio> element gets the WAV and can decode it
  await page.click('#messages tbody tr:first-child button:has-text("Play")');
  const audio = await page.waitForFunction(() => {
    const a = document.getElementById('player');
    return a.readyState >= 1 && a.duration > 0 ? a.duration : false;
  }, null, { timeout: 10000 });
  check(await audio.jsonValue() > 1, 'the message plays in the browser');

  // Play on phone: the states the engine reports appear in order
  const seen = [];
  await page.exposeFunction('recordState', (s) => { if (seen[seen.length - 1] !== s) seen.push(s); });
  await page.evaluate(() => {
    const el = document.getElementById('call-state');
    new MutationObserver(() => window.recordState(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
  await page.click('#messages tbody tr:first-child button:has-text("Play on phone")');
  await page.waitForSelector('#call:not([hidden])');
  await page.waitForFunction(() => document.getElementById('call-state').textContent === 'Disconnected',
                             null, { timeout: 20000 });
  console.log('states seen: ' + seen.join(' -> '));
  check(seen[0] === 'Connecting', 'the page shows Connecting');
  check(seen.includes('Connected'), 'the page shows Connected');
  check(seen.indexOf('Connected') < seen.indexOf('Disconnected'), 'then Disconnected');

  const log = readFileSync(engineLog, 'utf8');
  check(/engine: start mailbox=sip:alice@example\.com dial=sip:alice@example\.com msg=\d+/.test(log),
        'the engine was asked to call the owner with the message');

  // a malformed number is refused with the reason, and no call starts
  await page.fill('#dial', 'sip:');
  await page.click('#messages tbody tr:first-child button:has-text("Play on phone")');
  await page.waitForFunction(() => document.getElementById('action-error').textContent !== '');
  check((await page.textContent('#action-error')).includes('Bad dial string'), 'a malformed number is refused');

  // save, then delete
  await page.click('#messages tbody tr.new button:has-text("Save")');
  await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr.new').length === 1);
  check(true, 'saving moves a message to saved');
  await page.click('#messages tbody tr:first-child button:has-text("Delete")');
  await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 2);
  check(true, 'deleting removes a message');

  await page.click('#logoff');
  await page.waitForSelector('#logon-view:not([hidden])');
  check(true, 'log off returns to the logon form');

  check(external.length === 0, 'no external resources requested' + (external.length ? ': ' + external.join(' ') : ''));
  check(consoleErrors.length === 0, 'no script errors' + (consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''));
} catch (e) {
  console.error(e.message || e);
  failed = true;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
