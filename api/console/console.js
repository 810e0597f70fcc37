// lstaked admin console: vanilla JS, no framework, nothing fetched but /admin/v1/.
// The session cookie is HttpOnly (this script never sees it); the CSRF token
// from the login answer goes with every POST as X-CSRF-Token.
'use strict';

const state = { csrf: '', page: 'overview', timer: null, busy: false };
const PAGES = {
  overview: ['Overview', '/admin/v1/overview', renderOverview],
  ledgers: ['Ledgers', '/admin/v1/ledgers', renderLedgers],
  ratio: ['Ratio & fees', '/admin/v1/ratio', renderRatio],
  deposits: ['Deposits', '/admin/v1/deposits?limit=200', renderDeposits],
  claims: ['Claims', '/admin/v1/claims?limit=200', renderClaims],
  payouts: ['Payout queue', '/admin/v1/payouts', renderPayouts],
  outbox: ['Outbox', '/admin/v1/outbox?limit=100', renderOutbox],
  audit: ['Audit log', '/admin/v1/actions?limit=200', renderAudit],
};
const $ = (sel) => document.querySelector(sel);

// ---- formatting -------------------------------------------------------------
function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
// Decimal integer string (planck, wei, ratio units) -> fixed-point text; BigInt only.
function units(text, decimals, shown) {
  if (text === null || text === undefined || text === '') return '–';
  let v;
  try { v = BigInt(text); } catch (e) { return esc(text); }
  const neg = v < 0n; if (neg) v = -v;
  const base = 10n ** BigInt(decimals);
  const whole = (v / base).toLocaleString('en-US');
  let frac = (v % base).toString().padStart(decimals, '0').slice(0, shown).replace(/0+$/, '');
  return (neg ? '-' : '') + whole + (frac ? '.' + frac : '');
}
const ksm = (planck) => planck === null || planck === undefined ? '–' : `${units(planck, 12, 4)} KSM`;
function when(ms) {
  if (!ms) return '–';
  const d = new Date(Number(ms));
  return `<span class="nowrap">${d.toISOString().replace('T', ' ').slice(0, 19)} UTC</span>`;
}
function ago(ms) {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - Number(ms)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return 'unknown';
  if (seconds === 0) return 'caught up';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
function short(text, n = 10) {
  text = String(text ?? '');
  return text.length > 2 * n + 1 ? `<span class="mono" title="${esc(text)}">${esc(text.slice(0, n + 2))}…${esc(text.slice(-n))}</span>` : `<span class="mono">${esc(text)}</span>`;
}
const BADGES = { ok: ['CREDITED', 'CLAIMED', 'PAID', 'FINALIZED', 'IN_EFFECT', 'DONE', 'success', 'running'],
  bad: ['FAILED', 'failed', 'critical', 'HELD', 'REPLACED', 'paused', 'loss_beyond_bound', 'error'],
  warn: ['BELOW_MINIMUM', 'EXPIRED', 'PENDING', 'warning', 'INTENT', 'SUBMITTED', 'IN_BLOCK', 'PAYING', 'PUBLISHING', 'too_soon'],
  info: ['ACTIVE', 'QUEUED', 'FUNDED', 'REQUESTED', 'info', 'RECORDED', 'publish', 'publish_clamped', 'REFUNDED', 'no_change'] };
function badge(text) {
  const kind = Object.keys(BADGES).find((k) => BADGES[k].includes(text)) || '';
  return `<span class="badge ${kind}">${esc(text)}</span>`;
}
function table(columns, rows, empty = 'Nothing here yet.') {
  if (!rows || rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  const head = columns.map((c) => `<th class="${c.num ? 'num' : ''}">${esc(c.title)}</th>`).join('');
  const body = rows.map((r) => '<tr>' + columns.map((c) => `<td class="${c.num ? 'num' : ''}">${c.html(r)}</td>`).join('') + '</tr>').join('');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
const col = (title, html, num = false) => ({ title, html, num });
const card = (title, inner, extra = '') => `<section class="card"><h3>${esc(title)}<span class="spacer"></span>${extra}</h3>${inner}</section>`;
function kv(pairs) {
  return '<dl class="kv">' + pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('') + '</dl>';
}
function actionButton(label, spec, cls = '') {
  return `<button class="${cls}" data-action='${esc(JSON.stringify(spec))}'>${esc(label)}</button>`;
}

// ---- API ----------------------------------------------------------------------
async function api(path, options = {}) {
  const init = { credentials: 'same-origin', headers: {} , ...options };
  if (init.method === 'POST') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = state.csrf;
  }
  const res = await fetch(path, init);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.status === 401) { showLogin('Your session ended: log in again.'); throw new Error('unauthorized'); }
  if (!res.ok) {
    const err = new Error(body && body.error ? body.error.message : `HTTP ${res.status}`);
    err.code = body && body.error ? body.error.code : String(res.status);
    throw err;
  }
  return body;
}

// ---- session --------------------------------------------------------------------
function showLogin(message) {
  clearInterval(state.timer);
  state.csrf = '';
  $('#app').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  $('#token').focus();
}
function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  route();
  clearInterval(state.timer);
  state.timer = setInterval(refresh, 5000);
}
async function start() {
  try {
    const res = await fetch('/admin/v1/session', { credentials: 'same-origin' });
    const body = res.ok ? await res.json() : null;
    if (body && body.session) { state.csrf = body.csrfToken; return showApp(); }
  } catch (e) { /* not logged in */ }
  showLogin('');
}
$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const token = $('#token').value.trim();
  const res = await fetch('/admin/v1/session', { method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = await res.json().catch(() => null);
  if (!res.ok) { $('#login-error').textContent = body && body.error ? body.error.message : 'login failed'; return; }
  $('#token').value = '';
  state.csrf = body.csrfToken;
  showApp();
});
$('#logout').addEventListener('click', async () => {
  try { await api('/admin/v1/session/logout', { method: 'POST', body: '{}' }); } catch (e) { /* gone anyway */ }
  showLogin('Logged out.');
});

// ---- navigation and refresh -----------------------------------------------------
function route() {
  const page = (location.hash || '#overview').slice(1);
  state.page = PAGES[page] ? page : 'overview';
  document.querySelectorAll('.sidebar a').forEach((a) => a.classList.toggle('active', a.dataset.page === state.page));
  $('#page-title').textContent = PAGES[state.page][0];
  $('#page').innerHTML = '<p class="muted">Loading…</p>';
  refresh();
}
window.addEventListener('hashchange', route);

async function refresh() {
  if (state.busy || $('#app').hidden) return;
  state.busy = true;
  const page = state.page;
  const [, path, render] = PAGES[page];
  try {
    const [data, status] = await Promise.all([api(path), api('/admin/v1/status').catch((e) => e)]);
    if (page !== state.page) return;
    // Never redraw under the operator's hands: while a field of the page has
    // the focus, this refresh leaves the page alone (the next one redraws).
    // Redrawing mid-typing moved the caret: "0.0001" typed over a selected
    // "1000" became "10000.0001" (seen in console_browser_e2e).
    const active = document.activeElement;
    const editing = active && active.matches('#page input, #page textarea, #page select');
    if (!editing) {
      // What the operator typed and left survives the redraw.
      const typed = [...document.querySelectorAll('#page input[id]')].map((i) => [i.id, i.value]);
      $('#page').innerHTML = render(data);
      for (const [id, value] of typed) {
        const input = document.getElementById(id);
        if (input) input.value = value;
      }
      $('#page').dataset.page = page;
    }
    const ok = status && status.ok;
    $('#health').className = 'pill ' + (ok ? 'ok' : 'bad');
    $('#health').textContent = ok ? 'all actors healthy' : 'attention: an actor is unhealthy';
    $('#refreshed').textContent = 'refreshed ' + new Date().toLocaleTimeString();
  } catch (e) {
    if (e.message !== 'unauthorized') notice(`Could not load: ${e.message}`, true);
  } finally {
    state.busy = false;
  }
}

function notice(text, bad = false) {
  const n = $('#notice');
  n.textContent = text;
  n.className = 'notice' + (bad ? ' bad' : '');
  n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { n.hidden = true; }, 15000);
}

// ---- actions: confirmed in a dialog, outcome shown ---------------------------------
function confirmStep(title, text) {
  const d = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = '';
    d.showModal();
  });
}
document.addEventListener('click', async (ev) => {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const spec = JSON.parse(button.dataset.action);
  let body = spec.body || {};
  if (spec.input) {
    const value = document.querySelector(spec.input).value.trim();
    body = { [spec.field]: value };
    spec.text = spec.text.replace('{value}', value);
  }
  if (!(await confirmStep(spec.title, spec.text))) return;
  button.disabled = true;
  try {
    const out = await api(spec.path, { method: 'POST', body: JSON.stringify(body) });
    const a = out.action;
    notice(a ? `${spec.title}: recorded as action ${a.id} (${a.state}); the audit log shows its outcome.`
             : `${spec.title}: done. ${out.outcome || ''}`);
  } catch (e) {
    if (e.message !== 'unauthorized') notice(`${spec.title} refused: ${e.message}`, true);
  } finally {
    button.disabled = false;
    refresh();
  }
});

// ---- pages ----------------------------------------------------------------------------
function chainCard(name, c) {
  const running = c.running;
  const pairs = [
    ['status', running ? (c.halted ? badge('HALTED') : badge('running')) : badge('not running')],
    ['finalized head', esc(c.final_head ?? '–')],
    ['cursor', esc(c.cursor ?? (c.stored_cursor ? c.stored_cursor.block_number : '–'))],
    ['lag', `${esc(c.lag ?? '–')} blocks`],
    ['catch-up ETA', esc(duration(c.eta_seconds))],
    ['cursor moved', c.stored_cursor ? esc(ago(c.stored_cursor.updated_at)) : '–'],
  ];
  if (c.last_error) pairs.push(['last error', `<span class="error">${esc(c.last_error)}</span>`]);
  return card(name, kv(pairs));
}
function publishButton() {
  return actionButton('Publish ratio now', { path: '/admin/v1/ratio/publish', title: 'Publish ratio now',
    text: 'The ratio calculator computes a new ratio at once (within aKSMb\'s bounds) and publishes it. Continue?' });
}
function rotateButton() {
  return actionButton('Rotate validators now', { path: '/admin/v1/validators/rotate', title: 'Rotate validators now',
    text: 'The bond manager re-plans every stash\'s nominations now, ignoring the once-a-day interval. Continue?' });
}
function renderOverview(d) {
  const actors = table([col('Actor', (a) => esc(a.name)), col('Health', (a) => badge(a.ok ? 'ok' : 'FAILED')),
    col('Detail', (a) => esc(a.detail)), col('Mailbox', (a) => esc(a.mailbox), true), col('Restarts', (a) => esc(a.restarts), true)],
    d.status.actors);
  const flows = table([col('Flow', (f) => esc(f.flow)), col('State', (f) => badge(f.paused ? 'paused' : 'running')),
    col('Reason', (f) => esc(f.reason || '')), col('Changed', (f) => esc(f.changed_at ? ago(f.changed_at) : '')),
    col('', (f) => f.paused
      ? actionButton('Resume', { path: `/admin/v1/flows/${f.flow}/resume`, title: `Resume ${f.flow}`, text: `Resume the ${f.flow} flow?` })
      : actionButton('Pause', { path: `/admin/v1/flows/${f.flow}/pause`, title: `Pause ${f.flow}`, text: `Pause the ${f.flow} flow? Nothing of it moves until resumed.` }, 'danger'))],
    d.flows);
  const alerts = table([col('When', (a) => when(a.created_at)), col('Severity', (a) => badge(a.severity)),
    col('Source', (a) => esc(a.source)), col('Message', (a) => esc(a.message)),
    col('', (a) => actionButton('Acknowledge', { path: `/admin/v1/alerts/${a.id}/ack`, title: 'Acknowledge alert', text: `Acknowledge alert ${a.id}: “${a.message}”?` }))],
    d.alerts, 'No open alerts.');
  const pending = d.pending_actions.length ? `<p class="muted">Pending: ${d.pending_actions.map((a) => esc(`${a.action} #${a.id}`)).join(', ')}</p>` : '';
  return `<div class="grid">${chainCard('Kusama', d.chains.kusama)}${chainCard('Ethereum', d.chains.ethereum)}
      ${card('Daemon', kv([['version', esc(d.status.version)], ['uptime', esc(duration(d.status.uptimeSeconds))],
        ['schema', esc(d.status.schemaVersion)], ['open alerts', esc(d.alerts.length)]]) + `<div class="row-actions">${publishButton()}${rotateButton()}</div>${pending}`)}</div>
    ${card(`Open alerts (${d.alerts.length})`, alerts)}
    ${card('Flows', flows)}
    ${card('Actors', actors)}`;
}

function renderLedgers(d) {
  const bm = d.bond_manager;
  if (!bm) return card('Ledgers', '<p class="empty">The bond manager is not running (no staking configured).</p>');
  const stashes = (d.stashes || []).map((s) => {
    const n = s.nominations || {};
    const unlocking = (s.unlocking || []).map((u) => `${ksm(u.value)} at era ${esc(u.era)}`).join('<br>') || 'none';
    const commission = (v) => {
      const info = (bm.validators || []).find((x) => x.validator === v);
      return info ? `${units(String(info.commission_perbill), 7, 2)}%` : '–';
    };
    const chosen = table([col('Validator', (v) => short(v.v, 12)), col('Commission', (v) => esc(commission(v.v)), true),
      col('Nominated now', (v) => badge(v.now ? 'yes' : 'no'))],
      (n.chosen || []).map((v) => ({ v, now: (n.current || []).includes(v) })), 'No eligible validator.');
    const skips = table([col('Validator', (k) => short(k.validator, 12)), col('Why skipped', (k) => badge(k.reason)), col('Detail', (k) => esc(k.detail))],
      n.skips || [], 'None skipped.');
    return card(`Stash ${s.stash}`, `<div class="grid">${kv([['free', ksm(s.free)], ['bonded', ksm(s.bonded)], ['active', ksm(s.active)], ['unlocking', unlocking],
      ['proxied', esc(s.proxied ? 'yes' : 'no')]])}${kv([['nominations differ', esc(n.differs ? 'yes' : 'no')], ['change allowed now', esc(n.change_now ? 'yes' : 'no')],
      ['next change from', n.next_change_ms ? when(n.next_change_ms) : '–'],
      ['last change', s.last_nomination_change ? `outbox ${esc(s.last_nomination_change.intent_id)}, ${when(s.last_nomination_change.chain_time_ms)}` : 'never']])}</div>
      <h3>Chosen validators</h3>${chosen}<h3>Other candidates</h3>${skips}`);
  }).join('');
  const u = bm.unclaimed || {};
  const summary = kv([['snapshot block', esc(bm.block ?? '–')], ['active era', esc(bm.active_era ?? '–')],
    ['unclaimed eras', esc(u.count ?? 0)], ['oldest unclaimed era', esc(u.oldest_era ?? '–')], ['last claimable era', esc(u.last_claimable_era ?? '–')],
    ['min nominator bond', ksm(bm.min_nominator_bond)], ['max nominations', esc(bm.max_nominations ?? '–')]]);
  const events = table([col('Block', (e) => esc(e.block_number), true), col('Event', (e) => badge(e.kind)), col('Account', (e) => short(e.account)),
    col('Amount', (e) => ksm(e.amount_planck), true)], d.staking_events, 'No staking events yet.');
  return `<div class="grid">${card('Staking', summary + `<div class="row-actions">${rotateButton()}</div>`)}${card('Bond manager', kv([['detail', esc(bm.detail || (bm.paused ? 'paused' : 'running'))], ['open outbox rows', esc(bm.open_outbox_rows ?? 0)]]))}</div>
    ${stashes}${card('Recent staking events', events)}`;
}

function ratioChart(history) {
  const pts = history.slice().reverse().map((p) => ({ t: Number(p.published_at), r: Number(BigInt(p.ratio) / 1000000n) / 1e12 }));
  if (pts.length === 0) return '<p class="empty">No ratio has been published yet: the chart appears with the first one.</p>';
  const W = 800, H = 260, L = 70, R = 16, T = 14, B = 34;
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  let lo = Math.min(...pts.map((p) => p.r)), hi = Math.max(...pts.map((p) => p.r));
  if (hi - lo < 1e-9) { lo -= 0.001; hi += 0.001; }
  const pad = (hi - lo) * 0.1; lo -= pad; hi += pad;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (r) => T + (1 - (r - lo) / (hi - lo)) * (H - T - B);
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.r).toFixed(1)}`).join(' ');
  const area = `${line} L${x(pts[pts.length - 1].t).toFixed(1)},${H - B} L${x(pts[0].t).toFixed(1)},${H - B} Z`;
  let grid = '';
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4, yy = y(v).toFixed(1);
    grid += `<line class="grid" x1="${L}" x2="${W - R}" y1="${yy}" y2="${yy}"/><text x="${L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${v.toFixed(6)}</text>`;
  }
  // Month-day hour:minute, with seconds when the history spans less than a day.
  const label = (t) => new Date(t).toISOString().slice(5, t1 - t0 < 86400000 ? 19 : 16).replace('T', ' ');
  const dots = pts.map((p) => `<circle class="dot" cx="${x(p.t).toFixed(1)}" cy="${y(p.r).toFixed(1)}" r="3"><title>${label(p.t)}: ${p.r.toFixed(9)}</title></circle>`).join('');
  return `<svg class="chart" id="ratio-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="ratio history">
    ${grid}<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>
    <path class="area" d="${area}"/><path class="line" d="${line}"/>${dots}
    <text x="${L}" y="${H - 12}">${label(t0)}</text><text x="${W - R}" y="${H - 12}" text-anchor="end">${label(t1)}</text></svg>
    <p class="muted">aKSMb shares per 1 KSM (ratio / 10<sup>18</sup>); it falls as rewards accrue.</p>`;
}
function renderRatio(d) {
  const c = d.calculator || {};
  const calcs = table([col('#', (x) => esc(x.id), true), col('When', (x) => when(x.created_at)), col('Decision', (x) => badge(x.decision)),
    col('Status', (x) => badge(x.status)), col('Ratio', (x) => x.published_ratio ? esc(units(x.published_ratio, 18, 9)) : '–', true),
    col('Reward', (x) => ksm(x.result && x.result.reward_planck), true), col('Fee', (x) => ksm(x.fee_planck), true),
    col('Kusama / Eth block', (x) => esc(`${x.kusama_block} / ${x.eth_block}`)), col('Reason', (x) => esc(x.reason || ''))],
    d.calculations, 'No calculation yet.');
  const fees = table([col('#', (f) => esc(f.id), true), col('Kind', (f) => badge(f.kind)), col('Amount', (f) => ksm(f.amount_planck), true),
    col('Calculation', (f) => esc(f.calculation_id ?? '')), col('Reference', (f) => short(f.reference)), col('When', (f) => when(f.created_at))],
    d.fee_ledger, 'The fee ledger is empty.');
  const withdraw = d.fee_withdrawal_account
    ? `<div class="form-row"><input id="withdraw-amount" placeholder="amount in KSM" inputmode="decimal">${actionButton('Withdraw fees', {
        path: '/admin/v1/fees/withdraw', title: 'Withdraw fees', input: '#withdraw-amount', field: 'amount',
        text: `Pay {value} KSM from the fee ledger to ${d.fee_withdrawal_account}?` }, 'danger')}</div>`
    : '<p class="muted">Set <code>admin.fee_withdrawal_account</code> to withdraw fees.</p>';
  return `<div class="grid">${card('Current ratio', `<div class="stat">${esc(units(d.current_ratio, 18, 9))} <small>shares per KSM</small></div>` +
      kv([['next calculation', c.next_due_ms ? when(c.next_due_ms) : '–'], ['calculator', esc(c.detail || 'not running')], ['fee', esc(c.fee_bps !== undefined ? `${c.fee_bps / 100}% of rewards` : '–')]]) +
      `<div class="row-actions">${publishButton()}</div>`)}
      ${card('Fee ledger', `<div class="stat">${ksm(d.fee_balance_planck)}</div>` + kv([['withdraw to', d.fee_withdrawal_account ? short(d.fee_withdrawal_account, 12) : 'not configured']]) + withdraw)}</div>
    ${card(`Ratio history (${d.history.length})`, ratioChart(d.history))}
    ${card('Calculations', calcs)}${card('Fee ledger entries', fees)}`;
}

function renderDeposits(d) {
  const counts = (d.counts || []).map((c) => `${badge(c.status)} ${esc(c.n)}`).join(' &nbsp; ') || 'none';
  const rows = table([col('#', (x) => esc(x.id), true), col('When', (x) => when(x.created_at)), col('Extrinsic', (x) => esc(`${x.block_number}-${x.extrinsic_index}`)),
    col('Sender', (x) => short(x.address, 8)), col('Amount', (x) => ksm(x.amount_planck), true), col('Status', (x) => badge(x.status)),
    col('', (x) => x.status !== 'BELOW_MINIMUM' ? '' : x.refund_action ? `<span class="muted">refund #${esc(x.refund_action)}</span>`
      : actionButton('Refund', { path: `/admin/v1/deposits/${x.id}/refund`, title: 'Refund deposit', text: `Refund deposit ${x.id} (${units(x.amount_planck, 12, 12)} KSM) to its sender?` }, 'danger'))],
    d.deposits, 'No deposit yet.');
  return card('By status', `<p>${counts}</p>`) + card('Deposits', rows);
}

function renderClaims(d) {
  const counts = (d.counts || []).map((c) => `${badge(c.status)} ${esc(c.n)}`).join(' &nbsp; ') || 'none';
  const rows = table([col('Claim', (x) => short(x.claim_id, 6)), col('When', (x) => when(x.created_at)), col('Account', (x) => short(x.address, 8)),
    col('To', (x) => short(x.eth_address, 6)), col('Amount', (x) => ksm(x.amount_planck), true), col('Status', (x) => badge(x.status)),
    col('Before block', (x) => esc(x.claim_before_block), true), col('Settled', (x) => x.settled_tx ? short(x.settled_tx, 6) : '–')],
    d.claims, 'No claim yet.');
  return card('By status', `<p>${counts}</p>`) + card('Claims', rows);
}

function renderPayouts(d) {
  const counts = Object.entries(d.counts || {}).map(([k, v]) => `${badge(k)} ${esc(v)}`).join(' &nbsp; ');
  const t = d.totals || {};
  const head = d.head ? kv([['request', esc(d.head.requestId)], ['amount', ksm(d.head.amountPlanck)],
    ['expected release', d.head.expectedReleaseTimestamp ? when(d.head.expectedReleaseTimestamp) : '–']]) : '<p class="empty">The queue is empty.</p>';
  const held = table([col('Request', (r) => esc(r.requestId)), col('Recipient', (r) => short(r.recipient, 8)),
    col('Amount', (r) => ksm(r.amountPlanck), true), col('Why held', (r) => badge(r.heldReason)),
    col('', (r) => { const id = r.requestId; return actionButton('Release', { path: `/admin/v1/payouts/${id}/release`, title: 'Release payout', text: `Put request ${id} back in the queue at its place?` }); })],
    d.held, 'Nothing is held.');
  const recent = table([col('Request', (r) => esc(r.request_id)), col('Eth block', (r) => esc(`${r.block_number}/${r.log_index}`)),
    col('Recipient', (r) => short(r.recipient, 8)), col('Amount', (r) => ksm(r.amount_planck), true), col('Status', (r) => badge(r.status)),
    col('Kusama extrinsic', (r) => esc(r.kusama_extrinsic || '')), col('Expected release', (r) => (r.expected_release_at ? when(r.expected_release_at) : ''))],
    d.recent, 'No unstake request yet.');
  return `<div class="grid">${card('By state', `<p>${counts || 'none'}</p>` + kv([['to fund', ksm(t.unfunded_planck)], ['set aside', ksm(t.set_aside_planck)], ['held', ksm(t.held_planck)]]))}
      ${card('Head of the queue', head)}${card('Payout actor', kv([['detail', esc(d.queue ? (d.queue.detail || JSON.stringify(d.queue).slice(0, 160)) : 'not running')]]))}</div>
    ${card(`Held (${d.held.length})`, held)}${card('Requests', recent)}`;
}

function renderOutbox(d) {
  return ['kusama', 'ethereum'].map((chain) => {
    const o = d[chain];
    const counts = Object.entries(o.counts || {}).filter(([, v]) => v > 0).map(([k, v]) => `${badge(k)} ${esc(v)}`).join(' &nbsp; ') || 'empty';
    const rows = table([col('#', (i) => esc(i.id), true), col('Purpose', (i) => esc(i.purpose)), col('Signer', (i) => short(i.account, 6)),
      col('Nonce', (i) => esc(i.nonce), true), col('Status', (i) => badge(i.status)), col('Outcome', (i) => i.outcome ? badge(i.outcome) + ' ' + esc(i.dispatch_error || '') : ''),
      col('Tx', (i) => i.tx_hash ? short(i.tx_hash, 6) : '–'), col('Block', (i) => esc(i.block_number ?? ''), true), col('Updated', (i) => esc(ago(i.updated_at)))],
      o.intents, 'Nothing signed yet.');
    return card(`${chain === 'kusama' ? 'Kusama' : 'Ethereum'} outbox`, `<p>${counts}</p>` + rows);
  }).join('');
}

function paramsHtml(p) {
  // Hashes and addresses are shortened (full text on hover); words are not.
  const value = (v) => (typeof v === 'string' && /^[0-9A-Za-z]{21,}$/.test(v) ? short(v, 8) : esc(typeof v === 'string' ? v : JSON.stringify(v)));
  return Object.entries(p || {}).map(([k, v]) => `<div><span class="muted">${esc(k)}</span> ${value(v)}</div>`).join('');
}
function renderAudit(d) {
  return card('Operator actions', table([col('#', (a) => esc(a.id), true), col('When', (a) => when(a.atMs)), col('Action', (a) => esc(a.action)),
    col('Target', (a) => short(a.target, 8)), col('Parameters', (a) => paramsHtml(a.params)),
    col('State', (a) => badge(a.state)), col('Outcome', (a) => esc(a.outcome)), col('Done', (a) => (a.doneAtMs ? when(a.doneAtMs) : ''))],
    d.actions, 'No action yet.'));
}

start();
