'use strict';
// Exact display of the admin API's numbers and a reader for its event stream. No arithmetic on money happens
// here: every figure is shown as the decimal tollgate wrote, only grouped and given a currency sign.
(function (global) {
  /** A JSON number kept as its source text: $0.0000711 stays 0.0000711, not a rounded binary double. */
  class Dec {
    constructor(text) { this.text = text; }
    valueOf() { return Number(this.text); }
    toString() { return this.text; }
    toJSON() { return Number(this.text); }
  }

  /**
   * JSON.parse with numbers as Dec. Uses the reviver's source text (TC39 "JSON.parse source text access",
   * Chromium 114+); without it a number keeps its shortest round-trip form, exact up to 15 significant digits.
   */
  function parseJson(text) {
    return JSON.parse(text, function (key, value, context) {
      if (typeof value !== 'number') return value;
      return new Dec(context && typeof context.source === 'string' ? context.source : String(value));
    });
  }

  /** Splits a decimal text (possibly 1.5e-7) into sign, integer and fraction digits, moved by `shift` places. */
  function digits(text, shift) {
    let s = String(text).trim();
    let sign = '';
    if (s[0] === '-' || s[0] === '+') {
      sign = s[0] === '-' ? '-' : '';
      s = s.slice(1);
    }
    let exp = shift || 0;
    const e = s.search(/[eE]/);
    if (e >= 0) {
      exp += parseInt(s.slice(e + 1), 10);
      s = s.slice(0, e);
    }
    const dot = s.indexOf('.');
    let all = dot >= 0 ? s.slice(0, dot) + s.slice(dot + 1) : s;
    let point = (dot >= 0 ? dot : s.length) + exp;
    if (point <= 0) {
      all = '0'.repeat(1 - point) + all;
      point = 1;
    }
    if (point > all.length) all += '0'.repeat(point - all.length);
    return { sign, int: all.slice(0, point).replace(/^0+(?=\d)/, '') || '0', frac: all.slice(point) };
  }

  /** Thousands separators; trailing zeros of the fraction dropped down to `minFrac` digits (same value). */
  function number(value, minFrac, shift) {
    if (value === null || value === undefined) return '—';
    const d = digits(value, shift);
    let frac = d.frac.replace(/0+$/, '');
    while (frac.length < (minFrac || 0)) frac += '0';
    const int = d.int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const negative = d.sign === '-' && /[1-9]/.test(d.int + frac);
    return (negative ? '-' : '') + int + (frac ? '.' + frac : '');
  }

  /**
   * US dollars as `tollgate stats` tables write them (Amounts.usd): cents from $1 up (2436.13301 → $2,436.13),
   * four significant digits below (0.00043921 → $0.0004392, 0.5 → $0.50), rounded half up on the decimal text;
   * null (unpriced) → —. The exact value stays in the element's data-value.
   */
  function usd(value) {
    if (value === null || value === undefined) return '—';
    const d = digits(value, 0);
    const int = d.int.replace(/^0+(?=\d)/, '');
    let keep;
    if (int !== '0') {
      keep = 2;
    } else {
      const first = d.frac.search(/[1-9]/);
      keep = first < 0 ? 2 : Math.max(2, first + 4);
    }
    const all = int + d.frac.padEnd(keep + 1, '0');
    let n = BigInt(all.slice(0, int.length + keep));
    if (all[int.length + keep] >= '5') n += 1n;
    const text = n.toString().padStart(keep + 1, '0');
    let frac = text.slice(text.length - keep);
    if (keep > 2) frac = frac.replace(/0+$/, '').padEnd(2, '0');
    const rounded = number(text.slice(0, text.length - keep) + '.' + frac, 2);
    const zero = !/[1-9]/.test(rounded);
    return (d.sign === '-' && !zero ? '-$' : '$') + rounded;
  }

  /** A 0..1 share as a percentage by moving the decimal point (0.4567 → 45.67%). */
  function percent(value) {
    if (value === null || value === undefined) return '—';
    return number(value, 0, 2) + '%';
  }

  function int(value) {
    return number(value, 0);
  }

  /** Server-sent events (HTML Living Standard, "event stream interpretation"), fed text chunks as they arrive. */
  class SseParser {
    constructor(onEvent) {
      this.onEvent = onEvent;
      this.buffer = '';
      this.event = '';
      this.data = [];
    }

    push(chunk) {
      this.buffer += chunk;
      let at;
      while ((at = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
        // a lone \r at the end may be the first half of \r\n: wait for the next chunk
        if (this.buffer[at] === '\r' && at === this.buffer.length - 1) break;
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + (this.buffer.startsWith('\r\n', at) ? 2 : 1));
        this.line(line);
      }
    }

    line(line) {
      if (line === '') {
        if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        return;
      }
      if (line[0] === ':') return;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
  }

  global.TollgateFormat = { Dec, parseJson, number, usd, percent, int, SseParser };
})(window);
