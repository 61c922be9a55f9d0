// Samvad simulator: chat with the bot as a citizen, without a WhatsApp account.
//
// The page speaks three small JSON calls of the server (same origin):
//   GET  api/config                          who we chat as, and the languages
//   POST api/send                            a citizen message; the server signs it
//                                            as a webhook, exactly like Meta would
//   GET  api/messages?citizen=…&after=N      the bot's messages since N: each body
//                                            is the Cloud API request the bot sent
// and draws the bot's messages as WhatsApp would show them. Every piece of text
// from the bot or the citizen is put on the page as a text node, never as HTML.
'use strict';

(function () {
  const SCRIPT_URL = document.currentScript.src;
  const API = new URL('../api/', SCRIPT_URL).href;
  const STATIC = new URL('./', SCRIPT_URL).href;
  const POLL_MS = 400;
  const RETRY_MS = 2000;
  const STATUS_WINDOW = 10; // re-read the last few messages to follow their status
  const STORE_KEY = 'samvad.simulator.v1';

  // A few real places, for location requests and the composer's location button.
  const PLACES = [
    { name: 'Bandra West', address: 'Hill Road, Bandra West, Mumbai 400050', latitude: 19.0596, longitude: 72.8295 },
    { name: 'Connaught Place', address: 'Connaught Place, New Delhi 110001', latitude: 28.6315, longitude: 77.2167 },
    { name: 'Park Street', address: 'Park Street, Kolkata 700016', latitude: 22.5519, longitude: 88.3526 },
    { name: 'Jagannath Temple', address: 'Grand Road, Puri, Odisha 752001', latitude: 19.8048, longitude: 85.8181 },
    { name: 'Mylapore', address: 'Mylapore, Chennai 600004', latitude: 13.0336, longitude: 80.2687 },
    { name: 'Shivajinagar', address: 'Shivajinagar, Pune 411005', latitude: 18.5314, longitude: 73.8446 },
  ];

  const $ = (id) => document.getElementById(id);
  const ui = {
    title: $('title'), subtitle: $('subtitle'), chat: $('chat'),
    language: $('language'), newCitizen: $('new-citizen'),
    alert: $('alert'), alertText: $('alert-text'), alertClose: $('alert-close'),
    composer: $('composer'), text: $('text'), send: $('send'),
    photo: $('photo'), shareLocation: $('share-location'),
    sheet: $('sheet'), sheetTitle: $('sheet-title'), sheetBody: $('sheet-body'),
    places: $('places'), placesBody: $('places-body'),
  };

  const state = {
    config: null,
    citizen: '',
    name: '',
    next: 0,          // the "after" of the next poll
    lastSeq: 0,       // highest bot message shown
    transcript: [],   // what is on screen, in order, to survive a reload
    generation: 0,    // bumped by "new citizen": older polls stop
    sending: Promise.resolve(), // sends go one after the other, in order
    pendingLanguage: null,      // the picker's choice, until the bot asks
    alertKind: '',
  };

  // ---- elements ---------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c !== undefined && c !== null && c !== false) node.append(c);
    }
    return node;
  }

  // icon draws one of the page's SVG symbols (index.html): emoji fonts are
  // not everywhere.
  function icon(name) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'icon');
    svg.setAttribute('aria-hidden', 'true');
    const use = document.createElementNS(NS, 'use');
    use.setAttribute('href', '#i-' + name);
    svg.append(use);
    return svg;
  }

  // ---- WhatsApp text formatting ----------------------------------------

  const INLINE = { '*': 'strong', '_': 'em', '~': 's', '`': 'code' };
  const WORD = /[\p{L}\p{N}\p{M}]/u;
  const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;

  // formatted returns a <div> showing WhatsApp-formatted text: *bold*,
  // _italic_, ~strike~, `code` and ```monospace``` blocks, links clickable.
  // Line breaks are kept by CSS (white-space: pre-wrap).
  function formatted(text, cls) {
    const box = el('div', { class: cls || 'text', dir: 'auto' });
    const parts = String(text || '').split('```');
    parts.forEach((part, i) => {
      const closed = i < parts.length - 1 || parts.length % 2 === 1;
      if (i % 2 === 1 && closed) box.append(el('code', { class: 'mono', text: part }));
      else if (i % 2 === 1) { box.append('```'); links(part, box); } // unclosed: literal
      else links(part, box);
    });
    return box;
  }

  function links(text, parent) {
    let at = 0;
    for (const m of text.matchAll(URL_RE)) {
      let url = m[0];
      const trail = url.match(/[.,;:!?)\]'"*_~]+$/);
      if (trail) url = url.slice(0, -trail[0].length);
      inline(text.slice(at, m.index), parent);
      const href = /^www\./i.test(url) ? 'https://' + url : url;
      parent.append(el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: url }));
      at = m.index + url.length;
    }
    inline(text.slice(at), parent);
  }

  // inline formats one run of text; markers pair up within a line.
  function inline(s, parent) {
    let plain = '';
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      const end = INLINE[c] ? closing(s, i) : -1;
      if (end > 0) {
        if (plain) { parent.append(plain); plain = ''; }
        const node = el(INLINE[c]);
        if (c === '`') node.textContent = s.slice(i + 1, end);
        else inline(s.slice(i + 1, end), node);
        parent.append(node);
        i = end + 1;
        continue;
      }
      plain += c;
      i++;
    }
    if (plain) parent.append(plain);
  }

  // closing finds where the marker at i closes, or -1: the marker must start
  // a word and the closing one end a word, on the same line, with text between.
  function closing(s, i) {
    const c = s[i];
    if (i > 0 && WORD.test(s[i - 1])) return -1;
    if (i + 1 >= s.length || /\s/.test(s[i + 1])) return -1;
    for (let k = i + 2; k < s.length; k++) {
      if (s[k] === '\n') return -1;
      if (s[k] === c && !/\s/.test(s[k - 1]) && (k + 1 === s.length || !WORD.test(s[k + 1]))) return k;
    }
    return -1;
  }

  // ---- the chat ---------------------------------------------------------

  function nearBottom() {
    const c = ui.chat;
    return c.scrollHeight - c.scrollTop - c.clientHeight < 160;
  }

  function scrollDown() {
    ui.chat.scrollTop = ui.chat.scrollHeight;
  }

  function clock(at) {
    const d = at ? new Date(at) : new Date();
    if (isNaN(d)) return '';
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  // message builds one chat row: the bubble, and the buttons under it.
  function message(who, parts, actions, at) {
    const meta = el('div', { class: 'meta' }, el('time', { datetime: at, text: clock(at) }));
    const bubble = el('div', { class: 'bubble' }, ...parts, meta);
    const row = el('div', { class: 'msg ' + who }, bubble);
    if (actions && actions.length) row.append(el('div', { class: 'actions' }, ...actions));
    return { row, meta };
  }

  function append(row, stick) {
    const follow = stick || nearBottom();
    const hint = ui.chat.querySelector('.hint');
    if (hint) hint.remove();
    ui.chat.append(row);
    if (follow) scrollDown();
  }

  function statusTag(text, cls) {
    return el('span', { class: 'status ' + (cls || ''), text });
  }

  // ---- the bot's messages ----------------------------------------------

  // botParts turns one Cloud API send body into bubble parts and actions.
  // preview is the text the server read back for a template message.
  function botParts(body, preview) {
    const b = body || {};
    switch (b.type) {
      case 'text':
        return { parts: [formatted(b.text && b.text.body)] };
      case 'interactive':
        return interactiveParts(b.interactive || {});
      case 'image': case 'video': case 'document': case 'audio': case 'sticker':
        return { parts: mediaParts(b.type, b[b.type] || {}) };
      case 'location':
        return { parts: [place(b.location || {})] };
      case 'template':
        return { parts: templateParts(b.template || {}, preview) };
      case 'reaction':
        return { parts: [el('div', { class: 'text', text: 'Reacted ' + ((b.reaction && b.reaction.emoji) || '') })] };
      default:
        return { parts: unknownParts(b) };
    }
  }

  function interactiveParts(it) {
    const parts = [];
    const h = it.header;
    if (h && h.type === 'text') parts.push(el('div', { class: 'header', dir: 'auto', text: h.text }));
    else if (h && h.type) parts.push(...mediaParts(h.type, h[h.type] || {}));
    if (it.body) parts.push(formatted(it.body.text));
    if (it.footer) parts.push(el('div', { class: 'footer', dir: 'auto', text: it.footer.text }));
    const action = it.action || {};
    const actions = [];
    switch (it.type) {
      case 'button':
        for (const b of action.buttons || []) {
          const r = b.reply || {};
          actions.push(el('button', {
            type: 'button', class: 'reply', 'data-id': r.id, dir: 'auto', text: r.title,
            onclick: () => send({ type: 'button_reply', id: r.id, title: r.title }),
          }));
        }
        break;
      case 'list':
        actions.push(el('button', {
          type: 'button', class: 'reply list-open', 'aria-haspopup': 'dialog',
          onclick: () => openList(it),
        }, icon('list'), el('span', { dir: 'auto', text: action.button || 'Menu' })));
        break;
      case 'location_request_message':
        actions.push(el('button', {
          type: 'button', class: 'reply location-request', 'aria-haspopup': 'dialog',
          onclick: openPlaces,
        }, icon('pin'), el('span', { text: 'Send location' })));
        break;
      case 'cta_url': {
        const p = action.parameters || {};
        if (/^https?:\/\//i.test(p.url || '')) {
          actions.push(el('a', { class: 'reply', href: p.url, target: '_blank', rel: 'noopener noreferrer', text: '↗ ' + (p.display_text || p.url) }));
        }
        break;
      }
      default:
        parts.push(...unknownParts({ type: 'interactive/' + it.type, interactive: it }));
    }
    return { parts, actions };
  }

  // mediaParts draws a file as WhatsApp does: a card with the file's name
  // (a link to it when it came by link) and, for a document, its type.
  function mediaParts(kind, m) {
    const label = m.filename || (kind === 'audio' && m.voice ? 'Voice message' : kind[0].toUpperCase() + kind.slice(1));
    const card = el('div', { class: 'media ' + kind, 'data-kind': kind }, icon(kind === 'image' || kind === 'sticker' ? 'camera' : 'file'));
    const name = /^https?:\/\//i.test(m.link || '')
      ? el('a', { class: 'file-name', href: m.link, target: '_blank', rel: 'noopener noreferrer', dir: 'auto', text: label })
      : el('span', { class: 'file-name', dir: 'auto', text: m.id ? label + ' (media ' + m.id + ')' : label });
    if (kind === 'document') {
      card.append(el('div', { class: 'file' }, name, el('span', { class: 'file-type', text: documentType(m.filename) })));
    } else {
      card.append(name);
    }
    const parts = [card];
    if (m.caption) parts.push(formatted(m.caption));
    return parts;
  }

  // documentType names a document's type from its filename: "PDF" for
  // certificate.pdf, as WhatsApp shows under a document's name.
  function documentType(filename) {
    const ext = /\.([a-z0-9]{1,5})$/i.exec(filename || '');
    return ext ? ext[1].toUpperCase() : 'Document';
  }

  function place(loc) {
    const lat = Number(loc.latitude);
    const lon = Number(loc.longitude);
    const box = el('div', { class: 'place' }, icon('pin'));
    const lines = el('div', {});
    if (loc.name) lines.append(el('strong', { dir: 'auto', text: loc.name }));
    if (loc.address) lines.append(el('div', { dir: 'auto', text: loc.address }));
    if (isFinite(lat) && isFinite(lon)) {
      const coords = lat.toFixed(4) + ', ' + lon.toFixed(4);
      lines.append(el('a', {
        class: 'coords', target: '_blank', rel: 'noopener noreferrer', text: coords,
        href: 'https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lon + '#map=16/' + lat + '/' + lon,
      }));
    }
    box.append(lines);
    return box;
  }

  function templateParts(t, preview) {
    const lang = (t.language && t.language.code) || '';
    const parts = [el('div', { class: 'header', text: 'Template ' + (t.name || '?') + (lang ? ' (' + lang + ')' : '') })];
    if (preview) {
      parts.push(formatted(preview));
      return parts;
    }
    for (const c of t.components || []) {
      const values = (c.parameters || []).map((p) => p.text || p.payload || (p.type ? '[' + p.type + ']' : '')).filter(Boolean);
      if (values.length) parts.push(el('div', { class: 'footer', dir: 'auto', text: c.type + ': ' + values.join(' · ') }));
    }
    return parts;
  }

  function unknownParts(b) {
    return [
      el('div', { class: 'text unknown', text: 'A message of type "' + (b.type || '?') + '" that the simulator does not draw.' }),
      el('details', { class: 'raw' }, el('summary', { text: 'Request body' }), el('pre', { text: JSON.stringify(b, null, 2) })),
    ];
  }

  function showBot(entry) {
    const msg = entry.msg;
    const { parts, actions } = botParts(msg.body, msg.preview);
    const { row, meta } = message('bot', parts, actions, msg.at);
    row.dataset.seq = msg.seq;
    entry.meta = meta;
    markBot(entry);
    append(row, false);
  }

  function markBot(entry) {
    const status = entry.msg.status || '';
    entry.meta.querySelectorAll('.status').forEach((n) => n.remove());
    if (status) entry.meta.append(statusTag(status, status === 'failed' ? 'bad' : ''));
  }

  // followStatus updates the status of a bot message already shown.
  function followStatus(m) {
    const entry = state.transcript.find((e) => e.who === 'bot' && e.msg.seq === m.seq);
    if (!entry || !m.status || entry.msg.status === m.status) return false;
    entry.msg.status = m.status;
    markBot(entry);
    return true;
  }

  // ---- the citizen's messages ------------------------------------------

  function citizenParts(p) {
    switch (p.type) {
      case 'text':
        return [formatted(p.text)];
      case 'button_reply':
        return [el('div', { class: 'text', dir: 'auto', text: p.title })];
      case 'list_reply':
        return [el('div', { class: 'text', dir: 'auto', text: p.title }),
          p.description ? el('div', { class: 'footer', dir: 'auto', text: p.description }) : null];
      case 'location':
        return [place({ name: p.title, address: p.address, latitude: p.latitude, longitude: p.longitude })];
      case 'image':
        return [el('img', { class: 'photo', src: STATIC + 'photo.svg', alt: 'Sample photo', width: 240, height: 150 }),
          p.caption ? formatted(p.caption) : null];
      default:
        return [el('div', { class: 'text', text: p.type })];
    }
  }

  function showCitizen(entry) {
    const { row, meta } = message('me', citizenParts(entry.payload), null, entry.at);
    entry.row = row;
    entry.meta = meta;
    markCitizen(entry);
    append(row, true);
  }

  function markCitizen(entry) {
    const meta = entry.meta;
    meta.querySelectorAll('.status, .retry').forEach((n) => n.remove());
    if (entry.state === 'sending') meta.append(statusTag('sending…'));
    else if (entry.state === 'sent') meta.append(statusTag('✓ sent'));
    else {
      meta.append(statusTag('not sent', 'bad'));
      meta.append(el('button', {
        type: 'button', class: 'retry', text: 'Retry',
        onclick: () => { forget(entry); send(entry.payload); },
      }));
    }
  }

  function forget(entry) {
    entry.row.remove();
    state.transcript = state.transcript.filter((e) => e !== entry);
    save();
  }

  // send queues one citizen message; messages leave in the order sent.
  function send(payload) {
    const body = Object.assign({ citizen: state.citizen, name: state.name }, payload);
    delete body.description; // shown in the bubble only
    const entry = { who: 'me', payload, at: new Date().toISOString(), state: 'sending' };
    state.transcript.push(entry);
    showCitizen(entry);
    const generation = state.generation;
    state.sending = state.sending.then(async () => {
      if (generation !== state.generation) return;
      try {
        const res = await call('send', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        entry.wamid = res.wamid;
        entry.state = 'sent';
        if (state.alertKind === 'send') hideAlert();
      } catch (err) {
        entry.state = 'failed';
        showAlert('Your message was not sent: ' + err.message, 'send');
      }
      if (generation === state.generation) { markCitizen(entry); save(); }
    });
    save();
    return state.sending;
  }

  // call fetches one API path and returns its JSON, or throws an Error
  // carrying a sentence fit to show.
  async function call(path, init) {
    let res;
    try {
      res = await fetch(API + path, Object.assign({ cache: 'no-store' }, init));
    } catch (e) {
      throw new Error('the Samvad server cannot be reached. Is `samvad serve` running?');
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const why = data && typeof data.error === 'string' && data.error ? data.error : 'the server answered ' + res.status + ' ' + res.statusText + '.';
      throw new Error(why);
    }
    if (!data || typeof data !== 'object') throw new Error('the server answered with something that is not JSON.');
    return data;
  }

  // ---- polling ----------------------------------------------------------

  async function poll(generation) {
    while (generation === state.generation) {
      let wait = POLL_MS;
      try {
        const after = Math.max(0, state.next - STATUS_WINDOW);
        const data = await call('messages?citizen=' + encodeURIComponent(state.citizen) + '&after=' + after);
        if (generation !== state.generation) return;
        // A server started afresh counts from 0 again.
        if (typeof data.next === 'number' && data.next < state.lastSeq) state.lastSeq = data.next;
        let changed = false;
        for (const m of data.messages || []) {
          if (typeof m.seq !== 'number') continue;
          if (m.seq <= state.lastSeq) { changed = followStatus(m) || changed; continue; }
          state.lastSeq = m.seq;
          const entry = { who: 'bot', msg: m };
          state.transcript.push(entry);
          showBot(entry);
          answerLanguage(m);
          changed = true;
        }
        if (typeof data.next === 'number') state.next = Math.max(data.next, state.lastSeq);
        if (changed) save();
        if (state.alertKind === 'poll') hideAlert();
      } catch (err) {
        if (generation !== state.generation) return;
        showAlert('Cannot read the bot\'s messages: ' + err.message + ' Retrying…', 'poll');
        wait = RETRY_MS;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  // ---- sheets: list rows and places --------------------------------------

  function openList(it) {
    const action = it.action || {};
    ui.sheetTitle.textContent = action.button || 'Choose';
    ui.sheetBody.replaceChildren();
    for (const section of action.sections || []) {
      const group = el('div', { class: 'section', role: 'group' });
      if (section.title) {
        const id = 'sec-' + Math.random().toString(36).slice(2);
        group.setAttribute('aria-labelledby', id);
        group.append(el('h3', { id, dir: 'auto', text: section.title }));
      }
      for (const r of section.rows || []) {
        group.append(el('button', {
          type: 'button', class: 'row', 'data-id': r.id,
          onclick: () => { ui.sheet.close(); send({ type: 'list_reply', id: r.id, title: r.title, description: r.description }); },
        }, el('span', { class: 'row-title', dir: 'auto', text: r.title }),
        r.description ? el('span', { class: 'row-desc', dir: 'auto', text: r.description }) : null));
      }
      ui.sheetBody.append(group);
    }
    ui.sheet.showModal();
  }

  function openPlaces() {
    ui.placesBody.replaceChildren(...PLACES.map((p) => el('button', {
      type: 'button', class: 'row', 'data-place': p.name,
      // The place's name goes as "title": "name" is the citizen's profile name.
      onclick: () => { ui.places.close(); send({ type: 'location', latitude: p.latitude, longitude: p.longitude, title: p.name, address: p.address }); },
    }, el('span', { class: 'row-title', text: p.name }), el('span', { class: 'row-desc', text: p.address }))));
    ui.places.showModal();
  }

  for (const d of [ui.sheet, ui.places]) {
    d.addEventListener('click', (e) => {
      if (e.target === d || e.target.closest('[data-close]')) d.close();
    });
  }

  // ---- the language picker ----------------------------------------------

  // The picker sends the `language` command, like a citizen typing it, and
  // then taps the chosen language when the bot's question shows it.
  function pickLanguage() {
    const opt = ui.language.selectedOptions[0];
    ui.language.value = '';
    if (!opt || !opt.value) return;
    state.pendingLanguage = { name: opt.textContent.trim(), code: opt.value, until: Date.now() + 15000 };
    send({ type: 'text', text: 'language' });
  }

  function answerLanguage(m) {
    const want = state.pendingLanguage;
    if (!want) return;
    if (Date.now() > want.until) { state.pendingLanguage = null; return; }
    const it = m.body && m.body.interactive;
    if (!it) return;
    const same = (t) => String(t || '').trim().toLowerCase() === want.name.toLowerCase();
    const action = it.action || {};
    for (const b of action.buttons || []) {
      if (b.reply && same(b.reply.title)) {
        state.pendingLanguage = null;
        send({ type: 'button_reply', id: b.reply.id, title: b.reply.title });
        return;
      }
    }
    for (const s of action.sections || []) {
      for (const r of s.rows || []) {
        if (same(r.title)) {
          state.pendingLanguage = null;
          send({ type: 'list_reply', id: r.id, title: r.title, description: r.description });
          return;
        }
      }
    }
  }

  // ---- alerts ------------------------------------------------------------

  function showAlert(text, kind) {
    ui.alertText.textContent = text;
    ui.alert.hidden = false;
    state.alertKind = kind || '';
  }

  function hideAlert() {
    ui.alert.hidden = true;
    state.alertKind = '';
  }

  // ---- who we are, and keeping the chat across a reload ---------------------

  function freshCitizen() {
    const digits = new Uint32Array(2);
    crypto.getRandomValues(digits);
    const tail = String(digits[0] % 100000000).padStart(8, '0');
    return '9198' + tail;
  }

  function shownNumber(n) {
    const m = /^91(\d{5})(\d{5})$/.exec(n);
    return m ? '+91 ' + m[1] + ' ' + m[2] : '+' + n;
  }

  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({
        integration: state.config && state.config.integration,
        citizen: state.citizen, next: state.next, lastSeq: state.lastSeq,
        transcript: state.transcript.map((e) => e.who === 'bot' ? { who: 'bot', msg: e.msg }
          : { who: 'me', payload: e.payload, at: e.at, state: e.state === 'sending' ? 'failed' : e.state }),
      }));
    } catch (e) { /* storage full or disabled: the chat still works */ }
  }

  function restore() {
    try {
      const s = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
      if (!s || s.integration !== state.config.integration || !/^\d{8,15}$/.test(s.citizen || '')) return false;
      state.citizen = s.citizen;
      state.next = Number(s.next) || 0;
      state.lastSeq = Number(s.lastSeq) || 0;
      for (const e of s.transcript || []) {
        if (e.who === 'bot' && e.msg) { state.transcript.push(e); showBot(e); }
        if (e.who === 'me' && e.payload) { state.transcript.push(e); showCitizen(e); }
      }
      scrollDown();
      return true;
    } catch (e) {
      return false;
    }
  }

  function start(citizen) {
    state.generation++;
    state.sending = Promise.resolve();
    state.pendingLanguage = null;
    if (citizen) {
      state.citizen = citizen;
      state.next = 0;
      state.lastSeq = 0;
      state.transcript = [];
      ui.chat.replaceChildren(el('p', { class: 'hint', text: 'New citizen ' + shownNumber(citizen) + '. Say hi to start.' }));
      hideAlert();
      save();
    }
    ui.subtitle.textContent = 'Chatting as ' + state.name + ' · ' + shownNumber(state.citizen);
    poll(state.generation);
  }

  async function boot() {
    let config;
    for (;;) {
      try {
        config = await call('config');
        break;
      } catch (err) {
        showAlert('Cannot load the simulator settings: ' + err.message + ' Retrying…', 'poll');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    hideAlert();
    state.config = config;
    state.name = config.name || 'Citizen';
    ui.title.textContent = 'Samvad · ' + (config.integration || 'simulator');
    document.title = ui.title.textContent;
    for (const l of config.languages || []) {
      ui.language.append(el('option', { value: l.code, lang: l.code, text: l.name }));
    }
    if (restore()) start('');
    else { state.citizen = config.citizen || freshCitizen(); start(''); }
    for (const c of [ui.language, ui.newCitizen, ui.text, ui.send, ui.photo, ui.shareLocation]) c.disabled = false;
    document.body.dataset.ready = 'true';
  }

  // ---- the composer ----------------------------------------------------

  function sendTyped(e) {
    if (e) e.preventDefault();
    const text = ui.text.value.trim();
    if (!text) { ui.text.focus(); return; }
    ui.text.value = '';
    grow();
    send({ type: 'text', text });
  }

  function grow() {
    ui.text.style.height = 'auto';
    const border = ui.text.offsetHeight - ui.text.clientHeight;
    ui.text.style.height = Math.min(ui.text.scrollHeight + border, 120) + 'px';
  }

  ui.composer.addEventListener('submit', sendTyped);
  // Enter sends, Shift+Enter starts a new line. Some keyboards (and
  // synthetic key events) still insert the line break after a cancelled
  // keydown: that one is refused too.
  let enterSent = false;
  ui.text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { enterSent = true; sendTyped(e); }
  });
  ui.text.addEventListener('keyup', () => { enterSent = false; });
  ui.text.addEventListener('beforeinput', (e) => {
    if (enterSent && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
  });
  ui.text.addEventListener('input', grow);
  ui.photo.addEventListener('click', () => {
    const caption = ui.text.value.trim();
    ui.text.value = '';
    grow();
    send(caption ? { type: 'image', caption } : { type: 'image' });
  });
  ui.shareLocation.addEventListener('click', openPlaces);
  ui.newCitizen.addEventListener('click', () => { start(freshCitizen()); ui.text.focus(); });
  ui.language.addEventListener('change', pickLanguage);
  ui.alertClose.addEventListener('click', hideAlert);

  boot();
})();
