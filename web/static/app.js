// openum voice mail page: logs on, lists new and saved messages, plays them in the
// browser, saves and deletes them, and starts Play-On-Phone calls whose state it
// follows by polling until the call ends. Talks only to /api/v1 (docs/web.md).
'use strict';

const POLL_MS = 1000;
let csrf = '';
let owner = '';
let pollTimer = null;
let currentCall = '';

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') opt.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  let data = null;
  if (r.status !== 204) {
    try { data = await r.json(); } catch (e) { data = null; }
  }
  return { status: r.status, data };
}

function errorText(res) {
  return (res.data && res.data.error) || ('request failed (' + res.status + ')');
}

function show(view) {
  $('logon-view').hidden = view !== 'logon';
  $('mailbox-view').hidden = view !== 'mailbox';
  $('who').hidden = view !== 'mailbox';
}

function entered(res) {
  csrf = res.data.csrf_token;
  owner = res.data.address;
  $('who-address').textContent = res.data.name ? res.data.name + ' <' + owner + '>' : owner;
  if (!$('dial').value) $('dial').value = owner;
  show('mailbox');
  loadMessages();
}

async function start() {
  const res = await api('GET', '/api/v1/session');
  if (res.status === 200) entered(res);
  else { show('logon'); $('address').focus(); }
}

async function logon(ev) {
  ev.preventDefault();
  $('logon-error').textContent = '';
  const res = await api('POST', '/api/v1/session',
                        { address: $('address').value.trim(), pin: $('pin').value });
  $('pin').value = '';
  if (res.status === 200) entered(res);
  else $('logon-error').textContent = errorText(res);
}

async function logoff() {
  stopPolling();
  await api('DELETE', '/api/v1/session');
  csrf = ''; owner = '';
  $('messages').querySelector('tbody').replaceChildren();
  $('call').hidden = true;
  $('dial').value = '';
  show('logon');
}

function two(n) { return String(n).padStart(2, '0'); }

function duration(ms) {
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + ':' + two(s % 60);
}

function button(label, onclick, extra) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (extra) b.setAttribute('aria-label', extra);
  b.addEventListener('click', onclick);
  return b;
}

// The speech-to-text of the message (docs/transcription.md), or where it stands.
function transcriptCell(m) {
  const td = document.createElement('td');
  td.className = 'transcript';
  const st = m.transcript_state || 'none';
  if (st === 'done') td.textContent = m.transcript || '(no words recognised)';
  else if (st === 'pending') td.textContent = '(transcribing…)';
  else if (st === 'failed') td.textContent = '(transcription failed)';
  else td.textContent = '';
  if (st !== 'done') td.classList.add('muted');
  return td;
}

function row(m) {
  const tr = document.createElement('tr');
  tr.dataset.id = m.id;
  tr.className = m.state;
  const when = new Date(m.received_ms);
  const cells = [m.caller, when.toLocaleDateString(), when.toLocaleTimeString(),
                 duration(m.duration_ms), m.state];
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  tr.appendChild(transcriptCell(m));
  const who = 'message from ' + m.caller;
  const td = document.createElement('td');
  td.className = 'actions';
  td.appendChild(button('Play', () => play(m), 'Play ' + who));
  if (m.state === 'new') td.appendChild(button('Save', () => save(m), 'Save ' + who));
  td.appendChild(button('Delete', () => del(m), 'Delete ' + who));
  td.appendChild(button('Play on phone', () => playOnPhone(m), 'Play on phone: ' + who));
  tr.appendChild(td);
  return tr;
}

async function loadMessages() {
  const res = await api('GET', '/api/v1/messages');
  if (res.status === 401) { show('logon'); return; }
  if (res.status !== 200) { $('action-error').textContent = errorText(res); return; }
  const list = res.data.messages;
  const nnew = list.filter((m) => m.state === 'new').length;
  $('counts').textContent = nnew + ' new, ' + (list.length - nnew) + ' saved';
  $('messages').querySelector('tbody').replaceChildren(...list.map(row));
  $('empty').hidden = list.length !== 0;
}

function play(m) {
  const p = $('player');
  p.hidden = false;
  p.src = '/api/v1/messages/' + encodeURIComponent(m.id) + '/audio';
  p.play().catch(() => {});
}

async function act(method, path, body) {
  $('action-error').textContent = '';
  const res = await api(method, path, body);
  if (res.status >= 400) $('action-error').textContent = errorText(res);
  return res;
}

async function save(m) {
  await act('POST', '/api/v1/messages/' + encodeURIComponent(m.id) + '/save');
  loadMessages();
}

async function del(m) {
  await act('DELETE', '/api/v1/messages/' + encodeURIComponent(m.id));
  loadMessages();
}

function stopPolling() {
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
}

function showCall(info) {
  $('call').hidden = false;
  $('call-id').textContent = currentCall;
  $('call-state').textContent = info.state;
  $('call-state').dataset.state = info.state;
  let cause = '';
  if (info.state === 'Disconnected' && info.cause && info.cause !== 'None') cause = '(' + info.cause + ')';
  if (info.sip_code) cause += ' SIP ' + info.sip_code + ' ' + (info.sip_reason || '');
  $('call-cause').textContent = cause.trim();
  $('hangup').hidden = info.state === 'Disconnected';
}

async function poll() {
  pollTimer = null;
  if (!currentCall) return;
  const res = await api('GET', '/api/v1/calls/' + encodeURIComponent(currentCall));
  if (res.status !== 200) { $('action-error').textContent = errorText(res); return; }
  showCall(res.data);
  if (res.data.state !== 'Disconnected') pollTimer = setTimeout(poll, POLL_MS);
}

async function playOnPhone(m) {
  const res = await act('POST', '/api/v1/play-on-phone',
                        { message_id: m.id, dial_string: $('dial').value.trim() });
  if (res.status !== 201) return;
  stopPolling();
  currentCall = res.data.call_id;
  showCall({ state: 'Connecting' });
  pollTimer = setTimeout(poll, POLL_MS / 4);
}

async function hangup() {
  if (!currentCall) return;
  await act('DELETE', '/api/v1/calls/' + encodeURIComponent(currentCall));
  stopPolling();
  poll();
}

document.addEventListener('DOMContentLoaded', () => {
  $('logon-form').addEventListener('submit', logon);
  $('logoff').addEventListener('click', logoff);
  $('hangup').addEventListener('click', hangup);
  start();
});
