'use strict';
// The tollgate dashboard: the view (range, period, filters) lives in the URL hash so it can be shared; figures
// come from the admin API as written there (see format.js); new calls arrive from /admin/usage/stream.
(function () {
  const F = window.TollgateFormat;
  const R = window.TollgateRender;
  const TOKEN = 'tollgate.adminToken';
  const FILTERS = ['key', 'model', 'user', 'tag'];
  const PERIODS = ['day', 'week', 'month'];
  const $ = (id) => document.getElementById(id);

  let loading = false;
  let again = false;
  let recentFor = null;
  let stream = null;
  let refreshTimer = 0;
  const known = { key: new Set(), model: new Set(), user: new Set(), tags: new Set() };

  class TokenRefused extends Error {}

  function token() {
    return sessionStorage.getItem(TOKEN) || '';
  }

  function utcToday() {
    return new Date().toISOString().slice(0, 10);
  }

  // ---- the view, kept in the URL hash ----

  function readView() {
    const p = new URLSearchParams(location.hash.slice(1));
    const v = { days: null, since: p.get('since') || '', until: p.get('until') || '', period: p.get('period') || 'day',
      bytag: (p.get('bytag') || '').toLowerCase() };
    for (const f of FILTERS) v[f] = p.get(f) || '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v.since)) v.since = '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v.until) || !v.since) v.until = '';
    if (!v.since) v.days = /^\d{1,4}$/.test(p.get('days') || '') ? p.get('days') : '7';
    if (!PERIODS.includes(v.period)) v.period = 'day';
    return v;
  }

  function showView(v) {
    const custom = v.since !== '';
    for (const b of document.querySelectorAll('.ranges button')) {
      b.classList.toggle('on', custom ? b.dataset.days === 'custom' : b.dataset.days === v.days);
    }
    $('custom').hidden = !custom && !$('custom').classList.contains('open');
    if (custom) {
      $('since').value = v.since;
      $('until').value = v.until;
    }
    $('period').value = v.period;
    R.options($('f-key'), known.key, v.key);
    R.options($('f-model'), known.model, v.model);
    R.datalist($('users'), known.user);
    $('f-user').value = v.user;
    $('f-tag').value = v.tag;
    $('by-tag').value = v.bytag;
  }

  function go(change) {
    const v = Object.assign(readView(), change);
    const p = new URLSearchParams();
    if (v.since) {
      p.set('since', v.since);
      if (v.until) p.set('until', v.until);
    } else {
      p.set('days', v.days || '7');
    }
    if (v.period !== 'day') p.set('period', v.period);
    for (const f of FILTERS.concat('bytag')) if (v[f]) p.set(f, v[f]);
    const hash = '#' + p.toString();
    if (location.hash === hash) load();
    else location.hash = hash;
  }

  function tagNames(v) {
    if (v.bytag) return v.bytag.split(',').map((t) => t.trim()).filter((t) => t).slice(0, 3);
    const names = Array.from(known.tags).sort().slice(0, 2);
    const filtered = v.tag.includes('=') ? v.tag.slice(0, v.tag.indexOf('=')).toLowerCase() : '';
    if (filtered && !names.includes(filtered)) names.unshift(filtered);
    return names;
  }

  function usageQuery(v) {
    const p = new URLSearchParams();
    if (v.since) {
      p.set('since', v.since);
      if (v.until) p.set('until', v.until);
    } else {
      p.set('days', v.days);
    }
    p.set('period', v.period);
    for (const f of FILTERS) if (v[f]) p.set(f, v[f]);
    // provider last: drawn only when the calls went to more than one (render.js)
    for (const b of ['model', 'key', 'endpoint', 'user', 'provider']) p.append('by', b);
    for (const t of tagNames(v)) p.append('by', 'tag:' + t);
    p.set('suggestions', 'true');
    p.set('warnings', 'true');
    return p.toString();
  }

  function includesToday(v) {
    return !v.since || !v.until || v.until >= utcToday();
  }

  function matches(v, rec) {
    if (v.key && rec.key !== v.key) return false;
    // as stats' --model: the exact name or the priced one (gpt-4o-mini finds gpt-4o-mini-2024-07-18)
    if (v.model && rec.model !== v.model && rec.priced_as !== v.model) return false;
    if (v.user && rec.user !== v.user) return false;
    if (v.tag && v.tag.includes('=')) {
      const name = v.tag.slice(0, v.tag.indexOf('=')).trim().toLowerCase();
      if (!rec.tags || rec.tags[name] !== v.tag.slice(v.tag.indexOf('=') + 1)) return false;
    }
    return true;
  }

  // ---- the admin API ----

  async function api(path, signal) {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store', signal });
    const text = await res.text();
    if (res.status === 401) throw new TokenRefused();
    if (!res.ok) {
      let detail = 'HTTP ' + res.status;
      try {
        detail = JSON.parse(text).error.message || detail;
      } catch (ignored) {
        // not the OpenAI error shape: keep the status
      }
      const e = new Error(detail);
      e.status = res.status;
      throw e;
    }
    return F.parseJson(text);
  }

  async function load() {
    if (!token()) {
      askToken('');
      return;
    }
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    // an address without a view gets the default one written in, so what is on screen can be shared as is
    if (location.hash.length <= 1) history.replaceState(null, '', '#days=7');
    const v = readView();
    showView(v);
    document.body.dataset.state = 'loading';
    try {
      const recentKey = FILTERS.map((f) => v[f]).join('\u0000');
      if (recentFor !== recentKey) {
        const p = new URLSearchParams({ limit: '200' });
        if (v.key) p.set('key', v.key);
        if (v.model) p.set('model', v.model);
        const recent = await api('/admin/usage/recent?' + p.toString());
        recent.forEach(learnRecord);
        R.calls($('calls').tBodies[0], recent.filter((r) => matches(v, r)));
        recentFor = recentKey;
      }
      const [usage, budgets] = await Promise.all([api('/admin/usage?' + usageQuery(v)), api('/admin/budgets')]);
      learnGroups(usage.groups);
      showView(v);
      R.summary(usage);
      R.series($('series'), usage.series);
      R.groups($('groups'), usage.groups, filterBy);
      R.budgets($('budgets'), budgets.filter((b) => !v.key || b.key === v.key));
      R.suggestions($('suggestions'), usage.suggestions);
      R.warnings($('warnings'), usage.warnings || []);
      $('range-label').textContent = usage.from === usage.to ? usage.from + ' UTC' : usage.from + ' – ' + usage.to + ' UTC';
      message('');
      document.body.dataset.view = location.hash.slice(1);
      document.body.dataset.state = 'ready';
      listen();
    } catch (e) {
      document.body.dataset.state = 'error';
      if (e instanceof TokenRefused) refused();
      else if (e.status === 400) message('tollgate refused this view: ' + e.message);
      else if (e.status) message('tollgate answered HTTP ' + e.status + ': ' + e.message);
      else message('cannot reach tollgate (' + e.message + '); the figures shown may be old.');
    } finally {
      loading = false;
      if (again) {
        again = false;
        load();
      }
    }
  }

  function learnGroups(groups) {
    for (const [dim, rows] of Object.entries(groups)) {
      const set = known[dim];
      if (set) rows.forEach((r) => { if (r.name !== '(none)' && set.size < 1000) set.add(r.name); });
    }
  }

  function learnRecord(rec) {
    if (rec.key && known.key.size < 1000) known.key.add(rec.key);
    // the model breakdown and its filter list use the priced name
    const model = rec.priced_as || rec.model;
    if (model && known.model.size < 1000) known.model.add(model);
    if (rec.user && known.user.size < 1000) known.user.add(rec.user);
    if (rec.tags) Object.keys(rec.tags).forEach((t) => { if (known.tags.size < 50) known.tags.add(t); });
  }

  function filterBy(dim, name) {
    if (name === '(none)') return;
    if (dim.startsWith('tag:')) go({ tag: dim.slice(4) + '=' + name });
    else if (FILTERS.includes(dim)) go({ [dim]: name });
  }

  // ---- the live stream: fetch, not EventSource, because EventSource cannot send the Authorization header ----

  function listen() {
    if (stream) return;
    const ctrl = new AbortController();
    stream = ctrl;
    (async () => {
      let wait = 1000;
      while (!ctrl.signal.aborted) {
        try {
          const res = await fetch('/admin/usage/stream', {
            headers: { Authorization: 'Bearer ' + token(), Accept: 'text/event-stream' },
            cache: 'no-store', signal: ctrl.signal });
          if (res.status === 401) {
            refused();
            return;
          }
          if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
          live(true);
          wait = 1000;
          const parser = new F.SseParser(onEvent);
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.push(decoder.decode(value, { stream: true }));
          }
        } catch (e) {
          if (ctrl.signal.aborted) return;
        }
        live(false);
        // tollgate restarted or dropped a slow reader: reconnect, backing off to at most 15 s
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 15000);
      }
    })();
  }

  function stopListening() {
    if (stream) stream.abort();
    stream = null;
    live(false);
  }

  function onEvent(ev) {
    if (ev.event !== 'usage') return;
    let rec;
    try {
      rec = F.parseJson(ev.data);
    } catch (e) {
      return;
    }
    learnRecord(rec);
    const v = readView();
    if (!matches(v, rec)) return;
    R.prependCall($('calls').tBodies[0], rec);
    if (includesToday(v) && !refreshTimer) {
      // many calls a second make one refresh of the totals, not one each
      refreshTimer = setTimeout(() => {
        refreshTimer = 0;
        load();
      }, 1000);
    }
  }

  function live(on) {
    $('live').className = 'live ' + (on ? 'on' : 'off');
    $('live').textContent = on ? 'live' : 'offline';
  }

  // ---- token and messages ----

  function askToken(error) {
    $('login').hidden = false;
    $('login-error').hidden = !error;
    $('login-error').textContent = error;
    $('token').value = '';
    $('token').focus();
  }

  function refused() {
    sessionStorage.removeItem(TOKEN);
    stopListening();
    recentFor = null;
    message('tollgate refused the admin token (401).');
    askToken('tollgate refused this token (HTTP 401). Enter the value of TOLLGATE_ADMIN_TOKEN the server was started with.');
  }

  function message(text) {
    $('message').hidden = !text;
    $('message').textContent = text;
  }

  // ---- controls ----

  function wire() {
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN, $('token').value.trim());
      $('login').hidden = true;
      message('');
      recentFor = null;
      load();
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN);
      stopListening();
      recentFor = null;
      askToken('');
    });
    for (const b of document.querySelectorAll('.ranges button')) {
      b.addEventListener('click', () => {
        if (b.dataset.days !== 'custom') {
          $('custom').classList.remove('open');
          go({ days: b.dataset.days, since: '', until: '' });
          return;
        }
        $('custom').classList.add('open');
        $('custom').hidden = false;
        const today = utcToday();
        if (!$('since').value) $('since').value = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
        if (!$('until').value) $('until').value = today;
      });
    }
    $('controls').addEventListener('submit', (e) => {
      e.preventDefault();
      if ($('since').value) go({ since: $('since').value, until: $('until').value });
    });
    $('period').addEventListener('change', () => go({ period: $('period').value }));
    $('f-key').addEventListener('change', () => go({ key: $('f-key').value }));
    $('f-model').addEventListener('change', () => go({ model: $('f-model').value }));
    $('f-user').addEventListener('change', () => go({ user: $('f-user').value.trim() }));
    $('f-tag').addEventListener('change', () => go({ tag: $('f-tag').value.trim() }));
    $('by-tag').addEventListener('change', () => go({ bytag: $('by-tag').value.trim().toLowerCase() }));
    $('clear').addEventListener('click', () => go({ key: '', model: '', user: '', tag: '' }));
    window.addEventListener('hashchange', load);
  }

  wire();
  load();
})();
