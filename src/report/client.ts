/**
 * The report's inline script (plain ES2017, no dependencies, no network). Everything the page
 * shows is already in the HTML; the script adds:
 *  - one trace at a time (picker links and #trace-<id> anchors; without the script all show);
 *  - a step cursor: click or hover a timeline column or a step row, ←/→ (or j/k), Home/End;
 *    [ and ] for the previous / next trace;
 *  - the full machine state at the selected step (every CPU, task and vcpu field, the ones
 *    that changed in that step highlighted with their old value), read from the JSON block;
 *  - "copy" for the plain-text timeline and the Markdown tables;
 *  - the address follows the selection (#trace-<id>:<step>), so a link opens a given step;
 *  - traces other than the featured one arrive compressed (the `fpctx-lazy` block: deflated
 *    JSON {html, data}, base64): a trace is inflated into its article the first time it is
 *    shown, so the page's work at load does not grow with the number of traces.
 *
 * Kept as a string because it runs in the browser, not in Node; the browser test
 * (test/report/browser.test.ts) is what exercises it.
 */

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var doc = document;
  doc.documentElement.classList.add('js');
  var DATA = JSON.parse(doc.getElementById('fpctx-data').textContent);
  // The compressed traces are parsed the first time one is shown, not at load.
  var LAZY = null;
  function lazyPayload(id) {
    if (!LAZY) {
      var block = doc.getElementById('fpctx-lazy');
      LAZY = block ? JSON.parse(block.textContent) : {};
    }
    return LAZY[id];
  }
  // Rebuild every snapshot from the boot state and the per-step deltas (changed records only).
  function prepare(t) {
    var states = [t.initial];
    t.deltas.forEach(function (d) {
      var prev = states[states.length - 1];
      var next = {};
      Object.keys(prev).forEach(function (k) { next[k] = Array.isArray(prev[k]) ? prev[k].slice() : prev[k]; });
      Object.keys(d).forEach(function (k) {
        if (!next[k]) next[k] = [];
        Object.keys(d[k]).forEach(function (i) { next[k][Number(i)] = d[k][i]; });
      });
      states.push(next);
    });
    t.states = states;
  }
  Object.keys(DATA.traces).forEach(function (id) { prepare(DATA.traces[id]); });

  var NAMES = {
    'regs.V': 'V regs', 'regs.hi': 'SVE part (Z>128, P, FFR)', 'zen_el0': 'EL0 SVE enabled',
    'last.st': 'fpsimd_last_state.st', 'last.sve_in_use': 'fpsimd_last_state.sve_in_use',
    'last.dangling': 'st freed (ghost)', 'host_fpV': 'hyp host ctxt (V)', 'guest_fp_trap': 'guest FP trap armed',
    'flags.TIF_FOREIGN_FPSTATE': 'TIF_FOREIGN_FPSTATE', 'flags.TIF_SVE': 'TIF_SVE',
    'mem.uw_V': 'thread.fpsimd_state', 'mem.sve_state': 'thread.sve_state', 'mem.sve_state.V': 'sve_state (V part)',
    'mem.sve_state.hi': 'sve_state (SVE part)', 'expected.V': 'user wrote V (ghost)', 'expected.hi': 'user wrote SVE part (ghost)',
    'sve_vl': 'sve_vl (bits)', 'on_cpu': 'on cpu', 'mem.V': 'fp_regs (memory)'
  };
  var SKIP = { id: 1, slot: 1, name: 1 };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function show(key, v) {
    if (v === null || v === undefined) return key === 'fpsimd_cpu' ? 'NR_CPUS' : key === 'current' ? 'idle' : 'NULL';
    if (v === true) return '1';
    if (v === false) return '0';
    return String(v);
  }
  function flatten(obj, prefix, out) {
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      var key = prefix ? prefix + '.' + k : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
      else out.push([key, v]);
    });
    return out;
  }
  function table(title, records, prevRecords, head) {
    if (!records || !records.length) return '';
    var flat = records.map(function (r) { return flatten(r, '', []); });
    var prevFlat = (prevRecords || []).map(function (r) { return flatten(r, '', []); });
    var keys = [];
    flat.forEach(function (f) { f.forEach(function (kv) { if (!SKIP[kv[0]] && keys.indexOf(kv[0]) < 0) keys.push(kv[0]); }); });
    var html = '<h5>' + esc(title) + '</h5><table><thead><tr><th></th>';
    records.forEach(function (r) { html += '<th>' + esc(head(r)) + '</th>'; });
    html += '</tr></thead><tbody>';
    keys.forEach(function (key) {
      html += '<tr><th>' + esc(NAMES[key] || key) + '</th>';
      flat.forEach(function (f, i) {
        var cur = lookup(f, key);
        var before = prevFlat[i] ? lookup(prevFlat[i], key) : cur;
        var a = show(key.split('.').pop(), cur.value);
        var b = show(key.split('.').pop(), before.value);
        if (!cur.present) html += '<td class="muted">—</td>';
        else if (before.present && a !== b) html += '<td class="chg" title="was ' + esc(b) + '">' + esc(a) + ' <span class="was">(was ' + esc(b) + ')</span></td>';
        else html += '<td>' + esc(a) + '</td>';
      });
      html += '</tr>';
    });
    return html + '</tbody></table>';
  }
  function lookup(f, key) {
    for (var i = 0; i < f.length; i++) if (f[i][0] === key) return { present: true, value: f[i][1] };
    return { present: false, value: undefined };
  }

  function Trace(article) {
    this.el = article;
    this.id = article.getAttribute('data-trace');
    this.data = DATA.traces[this.id];
    this.svg = article.querySelector('svg.timeline');
    this.cursor = article.querySelector('[data-cursor]');
    this.panel = article.querySelector('aside.state');
    this.rows = Array.prototype.slice.call(article.querySelectorAll('ol.steps > li[data-step]'));
    this.n = this.data.states.length - 1;
    this.selected = Number(article.getAttribute('data-selected')) || 0;
    this.preview = null;
    var self = this;
    var wrap = article.querySelector('.tl-wrap');
    this.labels = article.querySelector('[data-labels]');
    if (wrap && this.labels) wrap.addEventListener('scroll', function () { self.pinLabels(); });
    if (this.svg) {
      this.labelW = Number(this.svg.getAttribute('data-label-w'));
      this.stepW = Number(this.svg.getAttribute('data-step-w'));
      this.svg.addEventListener('click', function (e) { var c = self.colAt(e); if (c !== null) { self.select(c); wrap.focus({ preventScroll: true }); } });
      this.svg.addEventListener('mousemove', function (e) { var c = self.colAt(e); if (c !== self.preview) { self.preview = c; self.render(); } });
      this.svg.addEventListener('mouseleave', function () { self.preview = null; self.render(); });
    }
    this.rows.forEach(function (li) {
      li.addEventListener('click', function () { self.select(Number(li.getAttribute('data-step'))); });
    });
    this.panel.addEventListener('click', function (e) {
      var b = e.target.closest ? e.target.closest('button[data-go]') : null;
      if (b) self.select(self.selected + Number(b.getAttribute('data-go')));
    });
    this.select(this.selected, true);
  }
  function selectText(node) {
    var r = doc.createRange();
    r.selectNodeContents(node);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }
  Trace.prototype.colAt = function (e) {
    var pt = this.svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    var m = this.svg.getScreenCTM();
    if (!m) return null;
    var p = pt.matrixTransform(m.inverse());
    var c = Math.floor((p.x - this.labelW) / this.stepW);
    return c >= 0 && c <= this.n ? c : null;
  };
  Trace.prototype.select = function (i, quiet) {
    i = Math.max(0, Math.min(this.n, i));
    this.selected = i;
    this.preview = null;
    this.el.setAttribute('data-selected', String(i));
    if (this.cursor) this.cursor.setAttribute('x', String(this.labelW + i * this.stepW));
    var self = this;
    this.rows.forEach(function (li) { li.classList.toggle('sel', Number(li.getAttribute('data-step')) === i); });
    this.render();
    this.reveal();
    if (!quiet) {
      var li = this.rows[i];
      if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
      // The address names the trace and the step, so a link opens the report right here.
      if (history.replaceState) history.replaceState(null, '', '#trace-' + this.id + ':' + i);
    }
    void self;
  };
  // Keeps the lane labels at the left edge while the timeline scrolls sideways.
  Trace.prototype.pinLabels = function () {
    var wrap = this.el.querySelector('.tl-wrap');
    if (this.labels && wrap) this.labels.setAttribute('transform', wrap.scrollLeft ? 'translate(' + wrap.scrollLeft + ',0)' : '');
  };
  // Scrolls the timeline sideways (never the page) so the selected column is in view.
  Trace.prototype.reveal = function () {
    var wrap = this.el.querySelector('.tl-wrap');
    if (!wrap || !wrap.clientWidth) return;
    var x = this.labelW + this.selected * this.stepW;
    if (x < wrap.scrollLeft + this.labelW || x + this.stepW > wrap.scrollLeft + wrap.clientWidth) wrap.scrollLeft = Math.max(0, x + this.stepW - wrap.clientWidth + 24);
  };
  Trace.prototype.render = function () {
    var i = this.preview === null ? this.selected : this.preview;
    var d = this.data;
    var s = d.states[i];
    var prev = i > 0 ? d.states[i - 1] : null;
    var head = i === 0 ? 'Boot: the initial state' : 'Step ' + i + ' of ' + this.n + ' \u00b7 ' + d.labels[i - 1];
    var html = '<div class="nav"><button data-go="-1" title="previous step (\u2190)">\u2190</button> <button data-go="1" title="next step (\u2192)">\u2192</button></div>';
    html += '<h4 data-state-step="' + i + '">' + esc(head) + '</h4>';
    if (this.preview !== null && this.preview !== this.selected) html += '<div class="preview">preview (hover); selected: step ' + this.selected + '</div>';
    if (i > 0 && d.calls[i - 1]) html += '<div class="small mono"><span class="muted">calls</span> ' + esc(d.calls[i - 1]) + '</div>';
    if (i > 0 && d.did[i - 1]) html += '<div class="small mono"><span class="muted">did</span> ' + esc(d.did[i - 1]) + '</div>';
    if (d.violation && d.violation.step === i) html += '<p class="bad">!! ' + esc(d.violation.text) + '</p>';
    html += '<div class="muted small">Machine state after this step; changed fields are highlighted with their old value.</div>';
    html += table('CPUs', s.cpus, prev && prev.cpus, function (c) { return 'cpu' + c.id; });
    html += table('Tasks', s.tasks, prev && prev.tasks, function (t) { return t.state === 'free' ? 'slot ' + t.slot + ' (free)' : t.name; });
    html += table('vCPUs', s.vcpus, prev && prev.vcpus, function (v) { return 'vcpu' + v.id; });
    this.panel.innerHTML = html;
  };

  // "copy" beside every text block (a trace as text, tables as Markdown).
  function bindCopy(root) {
    Array.prototype.forEach.call(root.querySelectorAll('button[data-copy]'), function (copy) {
      copy.addEventListener('click', function () {
        var pre = copy.parentNode.querySelector('pre');
        var done = function () { copy.textContent = 'copied'; setTimeout(function () { copy.textContent = 'copy'; }, 1500); };
        if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(pre.textContent).then(done, function () { selectText(pre); });
        else selectText(pre);
      });
    });
  }
  bindCopy(doc);

  // Every trace article, by id; a Trace object once its content is in the page.
  var articles = {};
  Array.prototype.forEach.call(doc.querySelectorAll('article.trace'), function (a) { articles[a.getAttribute('data-trace')] = a; });
  var traces = {};
  var loading = {};
  Object.keys(articles).forEach(function (id) {
    if (!articles[id].hasAttribute('data-lazy')) traces[id] = new Trace(articles[id]);
  });
  function inflate(b64) {
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'))).text();
  }
  // The Trace of an id, inflating its article first if it arrived compressed.
  function load(id) {
    if (traces[id]) return Promise.resolve(traces[id]);
    if (!loading[id]) {
      var art = articles[id];
      loading[id] = inflate(lazyPayload(id)).then(function (json) {
        var p = JSON.parse(json);
        art.innerHTML = p.html;
        art.removeAttribute('data-lazy');
        prepare(p.data);
        DATA.traces[id] = p.data;
        bindCopy(art);
        traces[id] = new Trace(art);
        return traces[id];
      });
    }
    return loading[id];
  }
  var active = null;
  var activeId = null;
  // Shows trace id at once (its article, the picker); resolves to its Trace once loaded.
  function activate(id) {
    if (!articles[id]) id = DATA.featured && articles[DATA.featured] ? DATA.featured : Object.keys(articles)[0];
    if (!id) return Promise.resolve(null);
    activeId = id;
    active = traces[id] || null;
    Object.keys(articles).forEach(function (k) { articles[k].classList.toggle('active', k === id); });
    Array.prototype.forEach.call(doc.querySelectorAll('.picker a[data-trace]'), function (a) {
      a.classList.toggle('active', a.getAttribute('data-trace') === id);
    });
    return load(id).then(function (t) {
      if (activeId !== id) return t;
      active = t;
      t.reveal();
      return t;
    }, function (err) {
      articles[id].querySelector('.lazy-note').textContent = 'This trace could not be inflated: ' + err;
      return null;
    });
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash.replace(/^#/, ''));
    var m = /^trace-([^:]+)(?::(\d+))?$/.exec(h);
    if (!m) return null;
    return activate(m[1]).then(function (t) {
      if (m[2] !== undefined && t && t.id === m[1]) t.select(Number(m[2]), true);
      return t;
    });
  }
  if (!fromHash()) activate(null);
  // Links to a trace (the picker, the verdict tables) switch at once; the address follows.
  doc.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a[data-trace]') : null;
    if (a && articles[a.getAttribute('data-trace')]) activate(a.getAttribute('data-trace'));
  });
  window.addEventListener('hashchange', function () {
    var p = fromHash();
    if (p) p.then(function (t) { if (t) t.el.scrollIntoView({ block: 'start' }); });
  });

  doc.addEventListener('keydown', function (e) {
    if (!activeId || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
    // Steps move when nothing in particular has focus, or focus is inside the shown trace.
    if (t && t !== doc.body && t !== doc.documentElement && !articles[activeId].contains(t)) return;
    var k = e.key;
    var next = null;
    if (k === '[' || k === ']') {
      // Previous / next trace, in the picker's order.
      var ids = Array.prototype.map.call(doc.querySelectorAll('.picker a[data-trace]'), function (a) { return a.getAttribute('data-trace'); });
      var at = ids.indexOf(activeId);
      var id = ids[at + (k === ']' ? 1 : -1)];
      if (id) {
        e.preventDefault();
        activate(id);
        if (history.replaceState) history.replaceState(null, '', '#trace-' + id);
      }
      return;
    }
    // Until the shown trace is inflated (a few milliseconds) there is no step to move.
    if (!active || active.id !== activeId) return;
    if (k === 'ArrowRight' || k === 'j') next = active.selected + 1;
    else if (k === 'ArrowLeft' || k === 'k') next = active.selected - 1;
    else if (k === 'Home') next = 0;
    else if (k === 'End') next = active.n;
    if (next === null) return;
    e.preventDefault();
    active.select(next);
  });
  // Printed pages show the whole timeline from its start, labels in place.
  window.addEventListener('beforeprint', function () {
    Object.keys(traces).forEach(function (k) { if (traces[k].labels) traces[k].labels.setAttribute('transform', ''); });
  });
  window.addEventListener('afterprint', function () {
    Object.keys(traces).forEach(function (k) { traces[k].pinLabels(); });
  });
  window.fpctxReport = { traces: traces, activate: activate, load: load };
})();
`;
