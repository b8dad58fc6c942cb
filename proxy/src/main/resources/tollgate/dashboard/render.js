'use strict';
// Draws the admin API's answers. Text goes in with textContent only: models, users and tags come from clients.
(function (global) {
  const F = global.TollgateFormat;
  const ALERT_FRACTION = 0.8;
  const MAX_CALLS = 200;
  const GROUP_TITLES = { model: 'by model', key: 'by key', endpoint: 'by endpoint', user: 'by user', provider: 'by provider' };
  /** Groupings drawn only when they tell calls apart: one provider (or none) is no breakdown. */
  const ONLY_WHEN_SEVERAL = ['provider'];
  /** How each warning's numbers are written: a day's spend, a call's tokens, a share of failed calls. */
  const WARNING_UNITS = { day_spend_spike: 'usd', token_outlier: 'int', error_rate: 'percent' };
  let chart = null;

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function cell(row, text, className, value) {
    const td = el('td', className, text);
    if (value !== undefined && value !== null) td.dataset.value = String(value);
    row.appendChild(td);
    return td;
  }

  function show(kind, value) {
    return kind === 'usd' ? F.usd(value) : F.int(value);
  }

  function options(select, names, current) {
    const wanted = Array.from(names).sort();
    if (current && !names.has(current)) wanted.unshift(current);
    const have = Array.from(select.options).slice(1).map((o) => o.value);
    if (have.join('\u0000') !== wanted.join('\u0000')) {
      while (select.options.length > 1) select.remove(1);
      for (const n of wanted) select.appendChild(new Option(n, n));
    }
    select.value = current;
  }

  function datalist(list, names) {
    if (list.children.length === names.size) return;
    list.replaceChildren(...Array.from(names).sort().map((n) => new Option(n, n)));
  }

  function summary(usage) {
    for (const p of document.querySelectorAll('[data-summary]')) {
      const v = usage.summary[p.dataset.summary];
      p.textContent = show(p.dataset.kind, v);
      p.dataset.value = String(v);
    }
    for (const p of document.querySelectorAll('[data-projection]')) {
      const v = usage.projection[p.dataset.projection];
      p.textContent = show(p.dataset.kind, v);
      p.dataset.value = String(v);
      p.title = usage.projection.detail || '';
    }
  }

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function series(canvas, points) {
    const labels = points.map((p) => String(p.start));
    const cost = points.map((p) => Number(p.total_cost_usd));
    const tokens = points.map((p) => Number(p.total_tokens));
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = cost;
      chart.data.datasets[1].data = tokens;
      chart.update('none');
      return;
    }
    const grid = css('--grid');
    const ink = css('--muted');
    chart = new global.Chart(canvas, {
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'cost (USD)', data: cost, yAxisID: 'usd', backgroundColor: css('--accent'), borderRadius: 3 },
          { type: 'line', label: 'tokens', data: tokens, yAxisID: 'tokens', borderColor: css('--second'),
            // straight segments: a smoothed line swings between days and shows values that never were
            backgroundColor: css('--second'), pointRadius: 2, tension: 0 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { labels: { color: ink, boxWidth: 12 } },
          tooltip: { callbacks: { label: (c) => c.dataset.yAxisID === 'usd'
            ? ' cost ' + F.usd(String(points[c.dataIndex].total_cost_usd))
            : ' tokens ' + F.int(String(points[c.dataIndex].total_tokens)) } },
        },
        scales: {
          x: { ticks: { color: ink }, grid: { color: grid } },
          usd: { position: 'left', beginAtZero: true, ticks: { color: ink, callback: (v) => '$' + v }, grid: { color: grid } },
          tokens: { position: 'right', beginAtZero: true, ticks: { color: ink }, grid: { drawOnChartArea: false } },
        },
      },
    });
  }

  function groups(box, all, onPick) {
    const tables = [];
    for (const [dim, rows] of Object.entries(all)) {
      if (ONLY_WHEN_SEVERAL.includes(dim) && rows.length < 2) continue;
      const wrap = el('div', 'group');
      wrap.appendChild(el('h3', null, GROUP_TITLES[dim] || 'by ' + dim));
      const scroll = el('div', 'scroll short');
      const table = el('table', 'breakdown');
      table.dataset.group = dim;
      const head = el('tr');
      for (const [t, c] of [['name', ''], ['calls', 'num'], ['tokens', 'num'], ['cost', 'num'], ['share of cost', 'share']]) {
        head.appendChild(el('th', c, t));
      }
      table.appendChild(el('thead')).appendChild(head);
      const body = table.appendChild(el('tbody'));
      if (rows.length === 0) body.appendChild(el('tr')).appendChild(el('td', 'empty', 'no calls')).colSpan = 5;
      for (const r of rows) {
        const tr = body.appendChild(el('tr'));
        tr.dataset.name = r.name;
        const name = cell(tr, null, 'name');
        if (dim === 'endpoint' || r.name === '(none)') {
          name.textContent = r.name;
        } else {
          const b = name.appendChild(el('button', 'link', r.name));
          b.type = 'button';
          b.title = 'show only ' + r.name;
          b.addEventListener('click', () => onPick(dim, r.name));
        }
        cell(tr, F.int(r.requests), 'num', r.requests).dataset.field = 'requests';
        cell(tr, F.int(r.total_tokens), 'num', r.total_tokens).dataset.field = 'total_tokens';
        cell(tr, F.usd(r.total_cost_usd), 'num', r.total_cost_usd).dataset.field = 'total_cost_usd';
        const share = cell(tr, null, 'share', r.cost_share);
        share.dataset.field = 'cost_share';
        const bar = share.appendChild(el('span', 'bar'));
        bar.appendChild(el('span', 'fill')).style.width = Math.min(100, Number(r.cost_share) * 100) + '%';
        share.appendChild(el('span', 'pct', F.percent(r.cost_share)));
      }
      wrap.appendChild(scroll).appendChild(table);
      tables.push(wrap);
    }
    box.replaceChildren(...tables);
  }

  function budgets(box, rows) {
    if (rows.length === 0) {
      box.replaceChildren(el('p', 'empty', 'No budgets configured.'));
      return;
    }
    box.replaceChildren(...rows.map(budget));
  }

  function budget(b) {
    const byUsd = b.limit_usd !== null && b.limit_usd !== undefined;
    const limit = Number(byUsd ? b.limit_usd : b.limit_tokens);
    const spent = Number(byUsd ? b.spent_usd : b.spent_tokens);
    const reserved = Number(byUsd ? b.reserved_usd : b.reserved_tokens);
    const used = limit > 0 ? (spent + reserved) / limit : 1;
    const fmt = byUsd ? F.usd : F.int;
    const row = el('div', 'budget' + (used >= 1 ? ' over' : used >= ALERT_FRACTION ? ' alert' : ''));
    row.dataset.key = b.key || '';
    row.dataset.scope = b.scope || 'key';
    row.dataset.window = b.window;
    const head = row.appendChild(el('div', 'budget-head'));
    // a key by its id; users, tag values, models and global by scope and name (SPEC 11)
    head.appendChild(el('strong', null, b.key || (b.scope === 'global' ? 'global' : b.scope + ' ' + b.name)));
    head.appendChild(el('span', 'window', b.window));
    if (used >= ALERT_FRACTION) head.appendChild(el('span', 'badge', used >= 1 ? 'limit reached' : Math.floor(used * 100) + '% used'));
    head.appendChild(el('span', 'limit', 'limit ' + fmt(byUsd ? b.limit_usd : b.limit_tokens) + (byUsd ? '' : ' tokens')));
    const bar = row.appendChild(el('div', 'meter'));
    bar.title = 'spent + reserved of the limit';
    const spentPct = limit > 0 ? Math.min(100, spent / limit * 100) : 100;
    const reservedPct = limit > 0 ? Math.max(0, Math.min(100 - spentPct, reserved / limit * 100)) : 0;
    bar.appendChild(el('span', 'spent')).style.width = spentPct + '%';
    bar.appendChild(el('span', 'reserved')).style.width = reservedPct + '%';
    const facts = row.appendChild(el('div', 'facts'));
    facts.appendChild(el('span', null, 'spent ' + fmt(byUsd ? b.spent_usd : b.spent_tokens)));
    facts.appendChild(el('span', null, 'reserved ' + fmt(byUsd ? b.reserved_usd : b.reserved_tokens)));
    facts.appendChild(el('span', null, 'remaining ' + fmt(byUsd ? b.remaining_usd : b.remaining_tokens)));
    const resets = b.resets_at ? new Date(b.resets_at) : null;
    const reset = facts.appendChild(el('span', 'reset', resets ? 'resets ' + resets.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : 'never resets'));
    if (resets) reset.title = b.resets_at;
    return row;
  }

  function suggestions(list, items) {
    if (items.length === 0) {
      list.replaceChildren(el('li', 'empty', 'Nothing to suggest for this range.'));
      return;
    }
    list.replaceChildren(...items.map((s) => {
      const li = el('li');
      const head = li.appendChild(el('div', 'suggestion-head'));
      head.appendChild(el('strong', null, s.title));
      if (s.potential_savings_usd !== null && s.potential_savings_usd !== undefined) {
        head.appendChild(el('span', 'saving', 'save ' + F.usd(s.potential_savings_usd)));
      }
      li.appendChild(el('p', 'detail', s.detail));
      if (s.action) li.appendChild(el('p', 'action', s.action));
      return li;
    }));
  }

  function warnings(list, items) {
    if (items.length === 0) {
      list.replaceChildren(el('li', 'empty', 'No warnings for this range.'));
      return;
    }
    list.replaceChildren(...items.map((w) => {
      const li = el('li', 'warning');
      li.dataset.rule = w.rule;
      li.dataset.subject = w.subject;
      const head = li.appendChild(el('div', 'warning-head'));
      head.appendChild(el('span', 'badge', w.rule.replace(/_/g, ' ')));
      head.appendChild(el('strong', null, w.title));
      const unit = WARNING_UNITS[w.rule];
      const fmt = unit === 'usd' ? F.usd : unit === 'percent' ? F.percent : F.int;
      const numbers = head.appendChild(el('span', 'numbers', fmt(w.value) + ' against ' + fmt(w.threshold)));
      numbers.dataset.value = String(w.value);
      numbers.dataset.threshold = String(w.threshold);
      li.appendChild(el('p', 'detail', w.detail));
      return li;
    }));
  }

  function callRow(rec, fresh) {
    const tr = el('tr', fresh ? 'fresh' : null);
    tr.dataset.requestId = rec.request_id;
    const ts = new Date(String(rec.ts));
    cell(tr, ts.toLocaleTimeString(), 'time').title = String(rec.ts);
    cell(tr, rec.key, 'key');
    cell(tr, rec.user || '—', 'user').dataset.field = 'user';
    cell(tr, rec.model || '—', 'model');
    cell(tr, rec.endpoint, 'endpoint');
    cell(tr, F.int(rec.input_tokens), 'num', rec.input_tokens);
    cell(tr, F.int(rec.cached_input_tokens), 'num', rec.cached_input_tokens);
    cell(tr, F.int(rec.output_tokens), 'num', rec.output_tokens);
    cell(tr, F.int(rec.reasoning_tokens), 'num', rec.reasoning_tokens);
    cell(tr, F.usd(rec.input_cost_usd), 'num', rec.input_cost_usd).dataset.field = 'input_cost_usd';
    cell(tr, F.usd(rec.output_cost_usd), 'num', rec.output_cost_usd).dataset.field = 'output_cost_usd';
    cell(tr, F.usd(rec.cost_usd), 'num', rec.cost_usd).dataset.field = 'cost_usd';
    cell(tr, F.int(rec.duration_ms) + ' ms', 'num', rec.duration_ms).dataset.field = 'duration_ms';
    const status = cell(tr, null, 'status');
    status.appendChild(el('span', rec.error ? 'badge error' : 'ok', rec.error ? String(rec.error) : String(rec.status)));
    if (rec.estimated) status.appendChild(el('span', 'badge est', 'estimated'));
    const tags = Object.entries(rec.tags || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    cell(tr, tags.map(([n, v]) => n + '=' + v).join(' '), 'tags').dataset.field = 'tags';
    return tr;
  }

  function calls(body, records) {
    body.replaceChildren(...records.slice(0, MAX_CALLS).map((r) => callRow(r, false)));
  }

  function prependCall(body, rec) {
    if (body.querySelector('tr[data-request-id="' + CSS.escape(String(rec.request_id)) + '"]')) return;
    body.insertBefore(callRow(rec, true), body.firstChild);
    while (body.rows.length > MAX_CALLS) body.deleteRow(-1);
  }

  global.TollgateRender = { options, datalist, summary, series, groups, budgets, suggestions, warnings, calls, prependCall };
})(window);
