// Drives the admin console in Debian's chromium through playwright-core
// (console_browser_e2e_test.cpp prepares the daemon, the chains and the data).
//   node console_browser.mjs <adminUrl> <userUrl> <tokenFile> <claimFile> <artefactDir> <profileDir>
// Every page is opened from the navigation and must show the data the test
// made; every action is clicked, confirmed in the dialog, and its effect
// checked through the APIs. Screenshots: <artefactDir>/<page>.png.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const [adminUrl, userUrl, tokenFile, claimFile, artefacts, profile] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();
const claimBody = fs.readFileSync(claimFile, 'utf8');
fs.mkdirSync(artefacts, { recursive: true });

const log = (...a) => console.log('console_browser:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function adminApi(p, method = 'GET', body) {
  const res = await fetch(adminUrl + p, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
  return { status: res.status, body: await res.json().catch(() => null) };
}
async function actions() { return (await adminApi('/admin/v1/actions?limit=500')).body.actions; }
async function waitFor(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1360, height: 900 },
});
context.setDefaultTimeout(30000);
// Nothing but the daemon's admin listener is ever asked for.
await context.route('**/*', (route) => (route.request().url().startsWith(adminUrl) ? route.continue() : route.abort()));
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error' && !/401|403|409|400|415/.test(m.text())) errors.push(m.text()); });
// The browser's "Failed to load resource" names no URL: every 5xx the page
// got is kept with its path and body, so a failure says which (a 503 from
// /admin/v1/status names the actor that was unhealthy).
const serverErrors = [];
page.on('response', async (r) => {
  if (r.status() < 500) return;
  // Kept at once (the body is added when it arrives), so one just before the end is not missed.
  const i = serverErrors.push(`${r.request().method()} ${new URL(r.url()).pathname} -> ${r.status()}`) - 1;
  const body = await r.text().catch(() => '');
  serverErrors[i] += ` ${body.slice(0, 2000)}`;
});
const shot = (name) => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });

async function open(name, mustContain) {
  await page.click(`.sidebar a[data-page="${name}"]`);
  await page.waitForSelector(`#page[data-page="${name}"]`);
  for (const text of mustContain)
    await page.waitForFunction((t) => document.querySelector('#page').innerText.includes(t), text, { timeout: 20000 })
      .catch(() => { throw new Error(`page ${name} does not show "${text}"`); });
  await shot(name);
  log(`page ${name} rendered`);
}
async function click(buttonText, within = '#page', rowText = null) {
  await page.evaluate(() => { document.querySelector('#notice').hidden = true; });
  let scope = page.locator(within);
  if (rowText) scope = scope.locator('tr', { hasText: rowText });
  await scope.locator('button', { hasText: buttonText }).first().click();
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector('#notice:not([hidden])');
  const text = await page.locator('#notice').innerText();
  log(`action "${buttonText}"${rowText ? ` on ${rowText}` : ''}: ${text}`);
  return text;
}

// ---- no token, no data; a wrong token is refused -----------------------------------
await page.goto(adminUrl + '/admin/');
await page.waitForSelector('#login-form');
assert.equal(await page.isVisible('#app'), false);
assert.equal((await fetch(adminUrl + '/admin/v1/overview')).status, 401);
await page.fill('#token', 'not-the-admin-token-000000');
await page.click('#login-form button[type=submit]');
await page.waitForFunction(() => document.querySelector('#login-error').textContent.includes('wrong'));
await shot('login');
log('wrong token refused');

// ---- login: HttpOnly, SameSite=Strict cookie scoped to /admin -------------------------
await page.fill('#token', token);
await page.click('#login-form button[type=submit]');
await page.waitForSelector('#app:not([hidden])');
const cookie = (await context.cookies(adminUrl + '/admin/')).find((c) => c.name === 'lstaked_admin');
assert.ok(cookie, 'session cookie set');
assert.equal(cookie.httpOnly, true);
assert.equal(cookie.sameSite, 'Strict');
assert.equal(cookie.path, '/admin');
assert.equal(await page.evaluate(() => document.cookie.includes('lstaked_admin')), false);
log('logged in');

// ---- every page shows real data -----------------------------------------------------------
await open('overview', ['Kusama', 'Ethereum', 'kusama_watcher', 'an alert for the operator', 'bonding']);
await open('ratio', ['Ratio history (2)', 'Calculations', 'FEE', 'publish']);
assert.equal(await page.locator('#ratio-chart path.line').count(), 1, 'the ratio history is plotted');
assert.equal(await page.locator('#ratio-chart circle.dot').count(), 2);
await open('deposits', ['CREDITED', 'BELOW_MINIMUM', '1,000 KSM', '0.5 KSM']);
await open('claims', ['ACTIVE', '10 KSM']);
await open('payouts', ['HELD', 'recipient_missing', '0.2 KSM']);
await open('audit', ['pause_flow', 'bonding', 'publish_ratio']);

// ---- CSRF: a cookie-only POST without the token is refused and changes nothing --------------
const forged = await page.evaluate(async () => {
  const r = await fetch('/admin/v1/flows/claims/pause', {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json() };
});
assert.equal(forged.status, 403);
assert.equal(forged.body.error.code, 'csrf_mismatch');
// The cross-site "simple request" form (text/plain) is refused even earlier.
const simple = await page.evaluate(async () => {
  const r = await fetch('/admin/v1/flows/claims/pause', { method: 'POST', body: '{}' });
  return { status: r.status, body: await r.json() };
});
assert.equal(simple.status, 415);
assert.equal(simple.body.error.code, 'unsupported_media_type');
let flows = (await adminApi('/admin/v1/overview')).body.flows;
assert.equal(flows.find((f) => f.flow === 'claims').paused, 0);
log('POST without X-CSRF-Token refused');

// ---- pause claims -> POST /v1/claims refused; resume -> accepted ----------------------------
await open('overview', ['claims']);
await click('Pause', '#page', 'claims');
let claim = await fetch(userUrl + '/v1/claims', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: claimBody });
assert.equal(claim.status, 503, 'claims refused while paused');
log('claims paused: POST /v1/claims ->', claim.status, JSON.stringify(await claim.json()));
await page.waitForFunction(() => [...document.querySelectorAll('#page tr')].some((r) => r.innerText.includes('claims') && r.innerText.includes('Resume')));
await click('Resume', '#page', 'claims');
claim = await fetch(userUrl + '/v1/claims', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: claimBody });
assert.equal(claim.status, 200, 'claims accepted again');
log('claims resumed: POST /v1/claims -> 200');

// ---- resume bonding, acknowledge the alert --------------------------------------------------
await page.waitForFunction(() => [...document.querySelectorAll('#page tr')].some((r) => r.innerText.includes('bonding') && r.innerText.includes('Resume')));
await click('Resume', '#page', 'bonding');
await click('Acknowledge', '#page', 'an alert for the operator');
const alerts = (await adminApi('/admin/v1/alerts')).body.alerts;
assert.ok(alerts.find((a) => a.source === 'console_test').resolved_at > 0, 'alert acknowledged');

// ---- publish ratio now, rotate validators now -------------------------------------------------
await click('Publish ratio now');
const published = await waitFor('the publish_ratio action to complete', async () => {
  const newest = (await actions()).find((a) => a.action === 'publish_ratio'); // newest first
  return newest && newest.state !== 'PENDING' ? newest : null;
});
assert.equal(published.state, 'DONE', `publish ratio: ${published.outcome}`);
assert.match(published.outcome, /^calculation \d+: /);
log('publish ratio now:', published.outcome);
await click('Rotate validators now');
const rotated = await waitFor('the rotate_validators action to complete', async () =>
  (await actions()).find((a) => a.action === 'rotate_validators' && a.state !== 'PENDING'), 240000);
assert.equal(rotated.state, 'DONE', `rotate validators: ${rotated.outcome}`);
log('rotate validators now:', rotated.outcome);
assert.match(rotated.outcome, /nominate extrinsic\(s\) written|nothing to change/);
// Bonding runs again: the bond manager's snapshot of the stash, its extrinsics in the outbox.
await open('ledgers', ['Stash', 'Chosen validators', '0%', 'bonded']);
await open('outbox', ['Kusama outbox', 'Ethereum outbox', 'update_ratio', 'nominate', 'FINALIZED']);

// ---- release the HELD payout ------------------------------------------------------------------------
await open('payouts', ['recipient_missing']);
await click('Release', '#page', 'recipient_missing');
const released = await adminApi('/admin/v1/payouts');
assert.equal(released.body.held.length, 0, 'nothing held any more');
assert.notEqual(released.body.recent.find((r) => r.request_id === '7').status, 'HELD');

// ---- refund the BELOW_MINIMUM deposit -----------------------------------------------------------------
await open('deposits', ['BELOW_MINIMUM']);
await click('Refund', '#page', 'BELOW_MINIMUM');
const refund = (await actions()).find((a) => a.action === 'refund_deposit');
assert.equal(refund.state, 'PENDING');
assert.equal(refund.params.amount_planck, '500000000000');
// The same again is refused (already pending), nothing more recorded.
const again = await adminApi(`/admin/v1/deposits/${refund.target}/refund`, 'POST', '{}');
assert.equal(again.status, 409);

// ---- withdraw fees: too much refused, a small amount recorded -----------------------------------------
await open('ratio', ['Fee ledger']);
await page.fill('#withdraw-amount', '1000');
let text = await click('Withdraw fees');
assert.match(text, /refused/);
await page.fill('#withdraw-amount', '0.0001');
// The amount sent is the amount typed (a redraw mid-typing once made it 10000.0001).
assert.equal(await page.inputValue('#withdraw-amount'), '0.0001');
text = await click('Withdraw fees');
assert.match(text, /recorded as action \d+ \(PENDING\)/);

// ---- the audit log lists every action ------------------------------------------------------------------
await open('audit', ['release_held', 'ack_alert', 'resume_flow', 'publish_ratio', 'rotate_validators', 'refund_deposit', 'withdraw_fees']);
await open('overview', ['Kusama']);

// ---- logout ends the session ---------------------------------------------------------------------------
await page.click('#logout');
await page.waitForSelector('#login:not([hidden])');
const after = await page.evaluate(async () => (await fetch('/admin/v1/overview')).status);
assert.equal(after, 401);
log('logged out');

assert.deepEqual(serverErrors, [], 'no server errors answered to the page');
assert.deepEqual(errors, [], 'no script errors in the page');
await context.close();
log('all checks passed');
