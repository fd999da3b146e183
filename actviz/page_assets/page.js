/* actviz page: f, f' and f'' panes of uPlot charts with one linked cursor, fed by the data
   embedded in #actviz-data (format: actviz's docs/page.md). Makes no request of any kind. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("actviz-data").textContent);
  var F = DATA.functions, G = DATA.groups;
  var ORDERS = [["f", "f"], ["df", "f\u2032"], ["d2f", "f\u2033"]];
  var LIGHT = ["#0072B2", "#C24F00", "#00806A", "#B0568A", "#1a1a1a", "#9A6A00", "#2C7FB8",
               "#7B4FA6", "#8C5A3C", "#666666"];
  var DARK = ["#56B4E9", "#FF8C42", "#2FD6A3", "#E8A3CB", "#f0f0f0", "#F0E442", "#8FB8FF",
              "#C39BE6", "#D9A27A", "#b0b0b0"];
  var DASHES = [[], [7, 3], [2, 2.5], [9, 3, 2, 3], [13, 4], [5, 2, 2, 2, 2, 2]];
  var FLAVOR_NAMES = {torch: "PyTorch", keras: "Keras", jax: "JAX"};
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
  var state = {shown: DATA.shown.slice(), flavor: DATA.flavor, presets: {}, zoom: null,
               d2f: true, marks: true};
  var plots = [], series = [], syncing = false, cursorIdx = null;

  function byLabel(label) {
    for (var i = 0; i < G.length; i++) if (G[i].label === label) return i;
    return -1;
  }
  function entryOf(g) {
    var group = G[g], preset = state.presets[g];
    if (preset != null) {
      for (var i = 0; i < group.presets.length; i++)
        if (group.presets[i][0] === preset) return group.presets[i][1];
    }
    var f = group.flavors[state.flavor];
    return f != null ? f : group["default"];
  }
  function palette() { return darkQuery.matches ? DARK : LIGHT; }
  /* a function's colour and dash: fixed by its place in the page's list of functions (the
     ones shown when the page opens first, so that those differ), so that toggling one
     changes nothing else */
  var RANK = DATA.shown.concat(G.map(function (group, g) { return g; })
    .filter(function (g) { return DATA.shown.indexOf(g) < 0; }));
  function styleOf(g) {
    var colors = palette(), k = RANK.indexOf(g);
    return {color: colors[k % colors.length],
            dash: DASHES[Math.floor(k / colors.length) % DASHES.length]};
  }
  function sortShown() { state.shown.sort(function (a, b) { return a - b; }); }
  /* a short stroke in a colour and dash, as a curve of the panes is drawn */
  function chip(color, dash) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg"), line = document.createElementNS(NS, "line");
    svg.setAttribute("class", "chip"); svg.setAttribute("width", "20"); svg.setAttribute("height", "8");
    svg.setAttribute("aria-hidden", "true");
    line.setAttribute("x1", "0"); line.setAttribute("x2", "20");
    line.setAttribute("y1", "4"); line.setAttribute("y2", "4");
    line.setAttribute("stroke", color); line.setAttribute("stroke-width", "3");
    if (dash.length) line.setAttribute("stroke-dasharray", dash.join(" "));
    svg.appendChild(line);
    return svg;
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  /* --- the URL hash: which functions, flavour, presets, zoom, panes ----------------------- */
  function writeHash() {
    var parts = ["show=" + state.shown.map(function (g) { return encodeURIComponent(G[g].label); }).join(",")];
    if (state.flavor !== DATA.flavor) parts.push("flavor=" + state.flavor);
    var presets = Object.keys(state.presets).map(function (g) {
      return encodeURIComponent(G[g].label) + "~" + encodeURIComponent(state.presets[g]);
    });
    if (presets.length) parts.push("preset=" + presets.join(","));
    if (state.zoom) parts.push("x=" + state.zoom[0] + "," + state.zoom[1]);
    if (!state.d2f) parts.push("d2f=0");
    if (!state.marks) parts.push("marks=0");
    var hash = "#" + parts.join("&");
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  function readHash() {
    var text = location.hash.replace(/^#/, "");
    if (!text) return;
    text.split("&").forEach(function (part) {
      var eq = part.indexOf("="), key = part.slice(0, eq), value = part.slice(eq + 1);
      if (key === "show") {
        state.shown = value ? value.split(",").map(function (v) { return byLabel(decodeURIComponent(v)); })
          .filter(function (g) { return g >= 0; }) : [];
      } else if (key === "flavor" && DATA.flavors.indexOf(value) >= 0) {
        state.flavor = value;
      } else if (key === "preset") {
        state.presets = {};
        value.split(",").forEach(function (item) {
          var pair = item.split("~"), g = byLabel(decodeURIComponent(pair[0]));
          if (g >= 0 && pair.length === 2) state.presets[g] = decodeURIComponent(pair[1]);
        });
      } else if (key === "x") {
        var ends = value.split(",").map(Number);
        state.zoom = ends.length === 2 && isFinite(ends[0]) && isFinite(ends[1]) && ends[0] < ends[1] ? ends : null;
      } else if (key === "d2f") {
        state.d2f = value !== "0";
      } else if (key === "marks") {
        state.marks = value !== "0";
      }
    });
  }

  /* --- the curves on one x: every shown entry's points, null where it has none ------------ */
  function build() {
    series = [];
    state.shown.forEach(function (g, k) {
      var e = F[entryOf(g)];
      for (var o = 0; o < e.outputs; o++) {
        series.push({group: g, entry: e, output: e.outputs > 1 ? o : null, index: k,
                     label: G[g].label + (e.outputs > 1 ? "[" + o + "]" : "") +
                       (state.presets[g] != null ? " (" + state.presets[g] + ")" : "")});
      }
    });
    var all = new Set();
    series.forEach(function (s) { s.entry.x.forEach(function (x) { all.add(x); }); });
    if (!series.length) F[G[0]["default"]].x.forEach(function (x) { all.add(x); });
    var xs = Array.from(all).sort(function (a, b) { return a - b; });
    var where = new Map();
    xs.forEach(function (x, i) { where.set(x, i); });
    var snapped = snapping(xs);
    series.forEach(function (s) {
      s.at = new Map();
      s.entry.x.forEach(function (x, i) { s.at.set(x, i); });
    });
    return {xs: xs, where: where, snap: snapped.snap, stops: snapped.stops};
  }
  /* The grid holds the float on either side of each kink, only to draw a jump or a corner
     where it is: the cursor never stops there. Each run of points closer than a millionth of
     a millionth of the range (a kink and its neighbours) snaps to one of them, the kink:
     the point with a neighbour on both sides in the run, else the shortest to write (a
     range's end, 0). snap[i]: where the cursor nearest to point i stops; stops: every such
     point, in order (the arrow keys go from one to the next). */
  function snapping(xs) {
    var snap = new Array(xs.length), stops = [];
    var tiny = (DATA.range[1] - DATA.range[0]) * 1e-12;
    for (var a = 0; a < xs.length;) {
      var b = a;
      while (b + 1 < xs.length && xs[b + 1] - xs[b] <= tiny) b++;
      var best = a;
      for (var i = a; i <= b; i++) {
        var inner = i > a && i < b, bestInner = best > a && best < b;
        if ((inner && !bestInner) || (inner === bestInner &&
            String(xs[i]).length < String(xs[best]).length)) best = i;
      }
      for (i = a; i <= b; i++) snap[i] = best;
      stops.push(best);
      a = b + 1;
    }
    return {snap: snap, stops: stops};
  }
  function value(s, order, i) {
    var v = s.entry[ORDERS[order][0]][i];
    return s.output == null || v == null ? v : v[s.output];
  }
  function breaksOf(s, order) {
    var m = s.entry.marks[s.output == null ? 0 : s.output], found = [];
    if (m) m.ends.forEach(function (end) { if (end[0] === order) found.push(end[1]); });
    return found;
  }
  function plotted(s, order, xs) {
    var out = new Array(xs.length).fill(null), breaks = new Set(breaksOf(s, order));
    /* a jump is a gap, not a vertical line (the figures put a NaN there): the point and
       the floats either side of it are left out of the drawn line, the marks show them */
    var xs0 = s.entry.x;
    xs0.forEach(function (x, i) {
      if (!breaks.has(x) && !breaks.has(xs0[i - 1]) && !breaks.has(xs0[i + 1]))
        out[xsIndex.get(x)] = value(s, order, i);
    });
    return out;
  }
  var xsIndex = new Map();

  /* --- drawing the marks, as the figures do (actviz.render.marks) ------------------------- */
  var LANE = 0.07;  /* a lane's height, as a share of the curves' span */
  function hatch(ctx, color) {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var p = c.getContext("2d");
    p.strokeStyle = color; p.lineWidth = 1.2; p.globalAlpha = 0.6;
    p.beginPath(); p.moveTo(0, 8); p.lineTo(8, 0); p.stroke();
    return ctx.createPattern(c, "repeat");
  }
  function marker(ctx, shape, x, y, color, filled, size) {
    var r = size * devicePixelRatio;
    ctx.beginPath();
    if (shape === "up") { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); }
    else if (shape === "down") { ctx.moveTo(x, y + r); ctx.lineTo(x + r, y - r * 0.8); ctx.lineTo(x - r, y - r * 0.8); }
    else if (shape === "diamond") { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); }
    else ctx.arc(x, y, r * 0.75, 0, 2 * Math.PI);
    ctx.closePath();
    ctx.lineWidth = 1.4 * devicePixelRatio;
    ctx.fillStyle = filled ? color : css("--bg");
    ctx.strokeStyle = color;
    ctx.fill(); ctx.stroke();
  }
  function lanesOf() {
    return series.filter(function (s) {
      var m = s.entry.marks[s.output == null ? 0 : s.output];
      return m && (m.saturation.length || m.dead.length);
    });
  }
  /* saturation and dead zones: one lane of bars under the curves per function that has
     any, in its colour, solid for saturation and hatched for a dead zone, whatever the
     number of functions (the key's swatches show the same two bars) */
  function lane(box, lanes, k) {
    var h = box.height * LANE / (1.16 + LANE * lanes);
    return {top: box.top + box.height - (lanes - k) * h, height: h * 0.8};
  }
  function drawMarks(u, order) {
    if (!state.marks) return;
    var ctx = u.ctx, box = u.bbox;
    var lanes = lanesOf();
    ctx.save();
    ctx.beginPath(); ctx.rect(box.left, box.top, box.width, box.height); ctx.clip();
    function px(x) { return u.valToPos(x, "x", true); }
    function py(y) { return u.valToPos(y, "y", true); }
    series.forEach(function (s, k) {
      var m = s.entry.marks[s.output == null ? 0 : s.output];
      if (!m) return;
      var color = s.color, k = lanes.indexOf(s);
      if (k >= 0) {
        var bar = lane(box, lanes.length, k), top = bar.top, height = bar.height;
        ctx.globalAlpha = 0.6;
        ctx.fillStyle = color;
        m.saturation.forEach(function (sp) { ctx.fillRect(px(sp[0]), top, px(sp[1]) - px(sp[0]), height); });
        ctx.globalAlpha = 1;
        ctx.fillStyle = hatch(ctx, color);
        ctx.strokeStyle = color; ctx.lineWidth = devicePixelRatio;
        m.dead.forEach(function (sp) {
          ctx.fillRect(px(sp[0]), top, px(sp[1]) - px(sp[0]), height);
          ctx.strokeRect(px(sp[0]), top, px(sp[1]) - px(sp[0]), height);
        });
      }
      if (order === 1) {
        ctx.globalAlpha = 0.25; ctx.strokeStyle = color; ctx.lineWidth = 6 * devicePixelRatio;
        m.plateau.forEach(function (p) {
          ctx.beginPath(); ctx.moveTo(px(p[0]), py(p[2])); ctx.lineTo(px(p[1]), py(p[2])); ctx.stroke();
        });
        ctx.globalAlpha = 1;
      }
      if (order === 0) {
        m.corners.forEach(function (c) { marker(ctx, "diamond", px(c[0]), py(c[1]), color, true, 4); });
        m.minima.forEach(function (c) { marker(ctx, "down", px(c[0]), py(c[1]), color, false, 5); });
      }
      if (m.steepest && order < 2) {
        marker(ctx, "up", px(m.steepest[0]), py(m.steepest[1 + order]), color, true, 5);
      }
      m.ends.forEach(function (end) {
        if (end[0] !== order) return;
        end[3].forEach(function (v) { marker(ctx, "dot", px(end[1]), py(v), color, false, 4); });
        marker(ctx, "dot", px(end[1]), py(end[2]), color, true, 4);
      });
    });
    ctx.restore();
  }

  /* --- the axes: compact tick labels, each axis as wide as its labels ------------------- */
  var AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var measurer = document.createElement("canvas").getContext("2d");
  var yAxisSize = 0;  /* the widest y axis of the panes: all of them as wide, so x lines up */
  function textWidth(text) { measurer.font = AXIS_FONT; return measurer.measureText(text).width; }
  /* a tick's text: plain (-2.5, 0.05, 5000) up to 10^4, else 5e4, -2.5e9, 1e-4; all the
     ticks of an axis in one style */
  function tickText(v, maxAbs) {
    var r = Number(v.toPrecision(12));
    if (r === 0) return "0";
    if (maxAbs >= 1e4 || maxAbs < 1e-3) return r.toExponential().replace("e+", "e");
    return String(r);
  }
  function tickTexts(splits) {
    var maxAbs = 0;
    splits.forEach(function (v) { if (v != null) maxAbs = Math.max(maxAbs, Math.abs(v)); });
    return splits.map(function (v) { return v == null ? "" : tickText(v, maxAbs); });
  }
  function widest(texts) {
    var w = 0;
    texts.forEach(function (t) { w = Math.max(w, textWidth(t)); });
    return w;
  }
  /* the y axis: its widest label, the tick and the gap (and a few px of margin) */
  function ySize(u, values, axisIdx) {
    var axis = u.axes[axisIdx];
    var need = Math.ceil(widest(values || []) + axis.ticks.size + axis.gap + 6);
    return Math.max(need, yAxisSize, 40);
  }
  /* the x axis: room between ticks for the widest label the ticks could have, those of the
     round steps (1, 2, 2.5, 5 x 10^k) at least 50 px apart */
  var STEPS = [1, 2, 2.5, 5];
  function xSpace(u, axisIdx, min, max, dim) {
    if (!(max > min) || !(dim > 0)) return 50;
    var least = (max - min) * 50 / dim, e = Math.floor(Math.log10(least)), w = 0;
    for (var k = 0; k < 8; k++) {
      var incr = STEPS[k % 4] * Math.pow(10, e + Math.floor(k / 4));
      if (incr < least * (1 - 1e-9)) continue;
      var splits = [];
      for (var t = Math.ceil(min / incr); t * incr <= max && splits.length < 200; t++) splits.push(t * incr);
      w = Math.max(w, widest(tickTexts(splits)));
    }
    return Math.max(50, Math.ceil(w + 16));
  }
  function alignAxes() {
    var most = 0;
    plots.forEach(function (p) { most = Math.max(most, p.axes[1]._size); });
    if (most > yAxisSize) yAxisSize = most;
    plots.forEach(function (p) {
      if (p.axes[1]._size !== yAxisSize) p.setSize({width: width(), height: height()});
    });
  }

  /* --- the panes ----------------------------------------------------------------------- */
  function width() { return Math.max(260, document.getElementById("panes").clientWidth); }
  function height() { return window.innerWidth < 760 ? 210 : 250; }
  function setZoom(source, min, max) {
    if (syncing) return;
    syncing = true;
    plots.forEach(function (p) { if (p !== source) p.setScale("x", {min: min, max: max}); });
    alignAxes();
    syncing = false;
    var full = DATA.range;
    state.zoom = min <= full[0] && max >= full[1] ? null : [min, max];
    writeHash();
  }
  function render() {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    var box = document.getElementById("panes");
    box.textContent = "";
    var joined = build();
    xsIndex = joined.where;
    yAxisSize = 0;
    var ink = css("--ink"), grid = css("--grid");
    series.forEach(function (s) {
      var style = styleOf(s.group);
      s.color = style.color;
      s.dash = s.output === 1 ? [6, 3] : style.dash;
    });
    swatches();
    var orders = state.d2f ? [0, 1, 2] : [0, 1];
    orders.forEach(function (order) {
      var pane = document.createElement("div");
      pane.className = "pane";
      pane.tabIndex = 0;
      pane.setAttribute("role", "img");
      pane.setAttribute("aria-label", ORDERS[order][1] + " of the shown functions; arrow keys move the cursor");
      pane.dataset.order = order;
      var title = document.createElement("h3");
      title.textContent = ORDERS[order][1];
      pane.appendChild(title);
      box.appendChild(pane);
      var data = [joined.xs].concat(series.map(function (s) { return plotted(s, order, joined.xs); }));
      var opts = {
        width: width(), height: height(), legend: {show: false},
        scales: {x: {time: false, range: function (u, min, max) {
          return state.zoom && !u._actvizZoomed ? state.zoom : [min, max];
        }}, y: {range: function (u, min, max) {
          /* room below the curves for the strips of saturation and dead zones */
          var lo = min, hi = max;
          if (hi === lo) { lo -= 1; hi += 1; }
          var span = hi - lo, strips = state.marks ? lanesOf().length : 0;
          return [lo - span * (0.08 + LANE * strips), hi + span * 0.08];
        }}},
        axes: [{stroke: ink, grid: {stroke: grid}, ticks: {stroke: grid}, font: AXIS_FONT,
                values: function (u, splits) { return tickTexts(splits); }, space: xSpace},
               {stroke: ink, grid: {stroke: grid}, ticks: {stroke: grid}, font: AXIS_FONT,
                values: function (u, splits) { return tickTexts(splits); }, size: ySize}],
        cursor: {sync: {key: "actviz"}, drag: {x: true, y: false, setScale: true},
                 points: {size: 7}, dataIdx: function (u, si, closest) {
                   return closest == null ? closest : joined.snap[closest];
                 }},
        series: [{}].concat(series.map(function (s) {
          return {label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: false,
                  points: {show: false}};
        })),
        hooks: {
          draw: [function (u) {
            drawMarks(u, order);
            /* (uPlot lays a chart out after this script's turn: align the axes then) */
            if (u.axes[1]._size !== yAxisSize) queueMicrotask(alignAxes);
            title.style.left = (u.bbox.left / devicePixelRatio + 6) + "px";
          }],
          setScale: [function (u, key) {
            if (key === "x") { u._actvizZoomed = true; setZoom(u, u.scales.x.min, u.scales.x.max); }
          }],
          setCursor: [function (u) {
            var idx = u.cursor.idx == null ? null : joined.snap[u.cursor.idx];
            if (u === plots[0] || cursorIdx !== idx) readout(idx, joined.xs);
          }]
        }
      };
      var plot = new uPlot(opts, data, pane);
      pane.addEventListener("keydown", function (ev) { key(ev, plot, joined); });
      plots.push(plot);
    });
    alignAxes();
    table();
    readout(null, joined.xs);
    writeHash();
    document.documentElement.dataset.ready = "1";
  }
  function key(ev, plot, joined) {
    if (ev.key === "Escape") { resetZoom(); ev.preventDefault(); return; }
    if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
    var xs = joined.xs, stops = joined.stops;
    var step = (ev.shiftKey ? 10 : 1) * (ev.key === "ArrowLeft" ? -1 : 1);
    var at = cursorIdx == null ? -1 : stops.indexOf(joined.snap[cursorIdx]);
    var k = at < 0 ? Math.floor(stops.length / 2) : at + step;
    var i = stops[Math.max(0, Math.min(stops.length - 1, k))];
    plot.setCursor({left: plot.valToPos(xs[i], "x"), top: plot.bbox.height / devicePixelRatio / 2});
    readout(i, xs);
    ev.preventDefault();
  }
  function resetZoom() {
    state.zoom = null;
    plots.forEach(function (p) { p._actvizZoomed = true; });
    if (plots.length) plots[0].setScale("x", {min: DATA.range[0], max: DATA.range[1]});
  }

  /* --- the readout: the embedded values at the cursor's x --------------------------------- */
  function show(v) { return v == null ? "\u2014" : String(v); }
  function readout(idx, xs) {
    cursorIdx = idx;
    document.getElementById("readout-d2f").hidden = !state.d2f;
    document.getElementById("key").hidden = !state.marks;
    var body = document.querySelector("#readout tbody");
    body.textContent = "";
    var x = idx == null ? null : xs[idx];
    var cap = document.querySelector("#readout caption");
    cap.textContent = x == null ? "Values at the cursor: point at a pane (or focus it and press \u2190 \u2192)"
      : "Values at x = " + String(x) + " (exact, as actviz computes them)";
    series.forEach(function (s) {
      var tr = document.createElement("tr"), th = document.createElement("th");
      th.scope = "row";
      th.appendChild(chip(s.color, s.dash)); th.appendChild(document.createTextNode(s.label));
      tr.appendChild(th);
      var i = x == null ? undefined : s.at.get(x);
      for (var o = 0; o < (state.d2f ? 3 : 2); o++) {
        var td = document.createElement("td");
        td.textContent = i === undefined ? "\u2014" : show(value(s, o, i));
        if (i !== undefined && breaksOf(s, o).indexOf(x) >= 0) {
          /* a jump here: the values just left and right of it (the floats either side) */
          var lim = document.createElement("span");
          lim.className = "limits";
          lim.textContent = " (\u2190 " + show(value(s, o, i - 1)) + ", \u2192 " + show(value(s, o, i + 1)) + ")";
          td.appendChild(lim);
        }
        tr.appendChild(td);
      }
      tr.dataset.label = s.label;
      body.appendChild(tr);
    });
  }

  /* --- the properties of the shown functions (compare's rows) ----------------------------- */
  function table() {
    var t = document.getElementById("properties");
    t.textContent = "";
    var shown = state.shown.map(function (g) { return F[entryOf(g)]; });
    var head = document.createElement("tr");
    head.appendChild(document.createElement("th"));
    shown.forEach(function (e, k) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = series.filter(function (s) { return s.index === k; })[0].label.replace(/\[0\]$/, "");
      head.appendChild(th);
    });
    t.appendChild(head);
    DATA.rows.forEach(function (row) {
      if (!shown.some(function (e) { return e.properties && row[0] in e.properties; })) return;
      var tr = document.createElement("tr"), th = document.createElement("th");
      th.scope = "row"; th.textContent = row[1]; tr.appendChild(th);
      shown.forEach(function (e) {
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = e.properties ? (e.properties[row[0]] || "-") : "-";
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    var notes = shown.filter(function (e) { return e.no_properties; });
    notes.forEach(function (e) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = shown.length + 1;
      td.textContent = e.spec + ": no properties: " + e.no_properties;
      tr.appendChild(td); t.appendChild(tr);
    });
  }

  /* --- the controls ----------------------------------------------------------------------- */
  function controls() {
    var list = document.getElementById("function-list");
    list.textContent = "";
    G.forEach(function (group, g) {
      var label = document.createElement("label"), box = document.createElement("input");
      box.type = "checkbox"; box.value = group.label; box.checked = state.shown.indexOf(g) >= 0;
      box.dataset.group = g;
      box.addEventListener("change", function () {
        if (box.checked) { if (state.shown.indexOf(g) < 0) state.shown.push(g); }
        else state.shown = state.shown.filter(function (h) { return h !== g; });
        sortShown();
        render();
        presets();
      });
      label.appendChild(box);
      var swatch = document.createElement("span");
      swatch.className = "swatch-of"; swatch.dataset.group = g;
      label.title = group.label;
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(group.label));
      list.appendChild(label);
    });
    var flavor = document.getElementById("flavor");
    flavor.textContent = "";
    DATA.flavors.forEach(function (name) {
      var o = document.createElement("option");
      o.value = name; o.textContent = FLAVOR_NAMES[name] || name; o.selected = name === state.flavor;
      flavor.appendChild(o);
    });
    var differ = G.filter(function (group) { return Object.keys(group.flavors).length > 1; })
      .map(function (group) { return group.label; });
    document.getElementById("flavor-note").textContent = differ.length ?
      "Where frameworks differ: " + differ.join(", ") + "." : "These functions are the same in every framework.";
    document.getElementById("key-saturation").textContent = "saturation: |f\u2032| < " +
      DATA.saturation_threshold + " (f\u2032 \u2192 0)";
    document.getElementById("show-d2f").checked = state.d2f;
    document.getElementById("show-marks").checked = state.marks;
    presets();
  }
  function swatches() {
    document.querySelectorAll("#function-list .swatch-of").forEach(function (span) {
      var style = styleOf(Number(span.dataset.group));
      span.textContent = "";
      span.appendChild(chip(style.color, style.dash));
      span.dataset.color = style.color;
    });
  }
  function presets() {
    var box = document.getElementById("presets");
    box.textContent = "";
    state.shown.forEach(function (g) {
      var group = G[g];
      if (!group.presets.length) return;
      var label = document.createElement("label"), select = document.createElement("select");
      select.id = "preset-" + g;
      label.htmlFor = select.id;
      label.appendChild(document.createTextNode(group.label + " "));
      var def = document.createElement("option");
      def.value = ""; def.textContent = "defaults"; select.appendChild(def);
      group.presets.forEach(function (p) {
        var o = document.createElement("option");
        o.value = p[0]; o.textContent = p[0]; o.selected = state.presets[g] === p[0];
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        if (select.value) state.presets[g] = select.value; else delete state.presets[g];
        render();
      });
      label.appendChild(select);
      box.appendChild(label);
    });
  }

  document.getElementById("flavor").addEventListener("change", function (ev) {
    state.flavor = ev.target.value; render();
  });
  document.getElementById("show-d2f").addEventListener("change", function (ev) {
    state.d2f = ev.target.checked; render();
  });
  document.getElementById("show-marks").addEventListener("change", function (ev) {
    state.marks = ev.target.checked; render();
  });
  document.getElementById("show-none").addEventListener("click", function () {
    state.shown = []; controls(); render();
  });
  document.getElementById("show-all").addEventListener("click", function () {
    state.shown = G.map(function (group, g) { return g; }); controls(); render();
  });
  document.getElementById("reset-zoom").addEventListener("click", resetZoom);
  window.addEventListener("hashchange", function () {
    var before = location.hash;
    readHash(); sortShown(); controls(); render();
    if (location.hash !== before) history.replaceState(null, "", before);
  });
  window.addEventListener("resize", function () {
    plots.forEach(function (p) { p.setSize({width: width(), height: height()}); });
    alignAxes();
  });
  darkQuery.addEventListener("change", render);

  readHash();
  sortShown();
  controls();
  render();
  window.actvizPage = {
    state: state, data: DATA, plots: plots,
    series: function () { return series.map(function (s) { return s.label; }); },
    plotsNow: function () { return plots; }
  };
})();
