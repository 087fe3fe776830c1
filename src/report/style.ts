/**
 * The report's stylesheet, inlined into the page. System fonts only (no web fonts, no network).
 * Context colours follow the Okabe–Ito palette (distinguishable with colour-blindness); red is
 * kept for violations and amber for a binding the kernel believes but that is false.
 */

export const REPORT_CSS = `
:root {
  --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --bad: #c62828; --badbg: #fdecea; --good: #1a7f37; --goodbg: #e8f5ec; --warn: #9a6700; --warnbg: #fff4d6;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 14px/1.45 var(--sans); }
main { max-width: 1500px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
a { color: #0550ae; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
table.calls td, table.calls th { font-family: var(--mono); font-size: 11.5px; padding: 1px 8px; text-align: left; }
table.calls tr.calls-differ td { background: #fde8e8; }
header.top .cmd { margin: 2px 0; }
nav.toc { margin: 8px 0 0; display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok, span.ok { color: var(--good); }
td.bad, span.bad { color: var(--bad); font-weight: 600; }
td.ok { background: var(--goodbg); }
td.bad { background: var(--badbg); }
td.warn { background: var(--warnbg); color: var(--warn); }
/* Expected violations (a buggy variant doing what its scenario says) are quiet: struck-through
   red text on grey; unexpected ones (an expectation not met) shout: white on solid red. */
td.exp { background: repeating-linear-gradient(135deg, #f3f4f6 0 6px, #e9ebee 6px 12px); color: #8c3b3b; font-weight: 400; }
td.unexp { background: var(--bad); color: #fff; font-weight: 700; outline: 2px solid #7f1d1d; outline-offset: -2px; }
td a { color: inherit; }
/* The scenario verdicts: one line a cell, scrolled sideways, the variant column pinned. */
.matrix-wrap { overflow-x: auto; max-width: 100%; }
table.matrix.runs td, table.matrix.runs th { white-space: nowrap; padding: 2px 6px; font-size: 12.5px; }
table.matrix.runs tbody th { position: sticky; left: 0; z-index: 1; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; margin-left: 8px; vertical-align: 2px; }
.badge.ok { background: var(--goodbg); color: var(--good); }
.badge.bad { background: var(--badbg); color: var(--bad); }
.badge.warn { background: var(--warnbg); color: var(--warn); }
.badge.exp { background: #eceef1; color: #8c3b3b; }
.badge.unexp { background: var(--bad); color: #fff; }
.violation { border: 1px solid var(--bad); border-left: 6px solid var(--bad); background: var(--badbg); padding: 8px 12px; margin: 10px 0; border-radius: 4px; }
.violation p { margin: 4px 0; }
.violation .msg { font-family: var(--mono); font-size: 13px; }
.picker { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 14px; }
.picker a { text-decoration: none; border: 1px solid var(--line); border-radius: 4px; padding: 2px 8px; font-size: 12.5px; color: var(--fg); background: var(--panel); }
.picker a.bad { border-color: var(--bad); color: var(--bad); }
.picker a.exp { border-style: dashed; color: #8c3b3b; }
.picker a.unexp { background: var(--bad); border-color: #7f1d1d; color: #fff; font-weight: 700; }
.picker a.active { outline: 2px solid #0969da; }
.picker .group { width: 100%; font-size: 12px; color: var(--muted); margin-top: 4px; }
article.trace { border-top: 3px solid var(--line); padding-top: 12px; margin-top: 18px; }
article.trace > header { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px; }
.meta { color: var(--muted); font-size: 13px; margin: 4px 0; }
.tl-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; margin: 8px 0; background: #fff; }
.tl-wrap:focus { outline: 2px solid #0969da; outline-offset: 1px; }
.keys { font-size: 12px; color: var(--muted); margin: 2px 0 6px; }
kbd { font-family: var(--mono); font-size: 11px; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; background: var(--panel); }

/* Timeline SVG */
svg.timeline { display: block; font-family: var(--mono); font-size: 11px; }
svg.timeline text { fill: #1b1f24; }
svg.timeline .colbg { fill: transparent; }
svg.timeline .col:nth-child(odd) .colbg { fill: #fafbfc; }
svg.timeline .col.viol .colbg { fill: #fdecea; }
svg.timeline .colhead { font-size: 11px; fill: var(--muted); }
svg.timeline .col.viol .colhead { fill: var(--bad); font-weight: 700; }
svg.timeline .cursor { fill: rgba(9, 105, 218, 0.07); stroke: #0969da; stroke-width: 1.5; pointer-events: none; }
svg.timeline .lanebg { fill: none; stroke: #eaeef2; }
svg.timeline .labelbg { fill: #fff; stroke: #eaeef2; }
svg.timeline .lanelabel { font-weight: 700; font-size: 12px; font-family: var(--sans); }
svg.timeline .lanesub { font-size: 10px; fill: var(--muted); font-family: var(--sans); }
svg.timeline .rowlabel { font-size: 10px; fill: var(--muted); font-family: var(--sans); }
svg.timeline .bar rect { stroke-width: 1; }
svg.timeline .evb rect { stroke-width: 1.2; }
svg.timeline .evb text { font-weight: 600; }
svg.timeline .ev-sched rect { fill: #dde7f3; stroke: #5b7db1; }
svg.timeline .ev-user rect { fill: #dff3e4; stroke: #3f8f55; }
svg.timeline .ev-sys rect { fill: #fbe9d0; stroke: #b7791f; }
svg.timeline .ev-kvm rect { fill: #ece2f6; stroke: #7b4fa6; }
svg.timeline .ev-neon rect { fill: #e9e4dc; stroke: #7a6a55; }
svg.timeline .evb.viol rect { fill: #f8c9c4; stroke: var(--bad); stroke-width: 2.5; }
svg.timeline .c0 rect { fill: #cfe3f3; stroke: #0072b2; }
svg.timeline .c1 rect { fill: #fbe3c0; stroke: #c27c00; }
svg.timeline .c2 rect { fill: #c9eadf; stroke: #009e73; }
svg.timeline .c3 rect { fill: #d7ecf9; stroke: #56b4e9; }
svg.timeline .c4 rect { fill: #f7f2c4; stroke: #b8a800; }
svg.timeline .c5 rect { fill: #e3dcef; stroke: #6a51a3; }
svg.timeline .c6 rect { fill: #d9e8c8; stroke: #5a8f29; }
svg.timeline .c7 rect { fill: #f2dde6; stroke: #a8456f; }
svg.timeline .g0 rect, svg.timeline .g2 rect { fill: #f1daea; stroke: #cc79a7; }
svg.timeline .g1 rect, svg.timeline .g3 rect { fill: #e4e0f5; stroke: #7c6fd0; }
svg.timeline .kern rect { fill: #e4e4e4; stroke: #7a7a7a; }
svg.timeline .dead rect { fill: #3b3b3b; stroke: #000; }
svg.timeline .dead text { fill: #fff; }
svg.timeline .empty rect, svg.timeline .other rect { fill: #fff; stroke: #b9c0c8; stroke-dasharray: 3 2; }
svg.timeline .st-idle rect { fill: #fff; stroke: #d0d7de; }
svg.timeline .st-run rect { fill: #e7f0fb; stroke: #5b7db1; }
svg.timeline .st-wait rect { fill: #fff; stroke: #b9c0c8; }
svg.timeline .st-zombie rect { fill: #eee; stroke: #777; stroke-dasharray: 2 2; }
svg.timeline .b-none rect { fill: #fff; stroke: #b9c0c8; stroke-dasharray: 3 2; }
svg.timeline .b-half rect { fill: #fff; stroke: #8c959f; stroke-dasharray: 6 3; }
svg.timeline .b-bound rect { stroke-width: 2; }
svg.timeline .b-mismatch rect { fill: #ffe7a3; stroke: #b58100; stroke-width: 2; }
svg.timeline .b-dangling rect { fill: #f8c9c4; stroke: var(--bad); stroke-width: 2; stroke-dasharray: 5 2; }
svg.timeline .tb-sync rect { fill: #e8f5ec; stroke: #3f8f55; }
svg.timeline .tb-off rect { fill: #fff; stroke: #b9c0c8; }
svg.timeline .fx line { stroke-width: 1.6; }
svg.timeline .fx text { font-size: 9px; font-family: var(--sans); paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.timeline .fx-save line, svg.timeline .fx-save circle { stroke: #0b5cad; fill: #0b5cad; }
svg.timeline .fx-save text { fill: #0b5cad; }
svg.timeline .fx-load line, svg.timeline .fx-load circle { stroke: #1a7f37; fill: #1a7f37; }
svg.timeline .fx-load text { fill: #1a7f37; }
svg.timeline .fx-redundant line { stroke-dasharray: 4 2; }
svg.timeline .fx-hyp line, svg.timeline .fx-hyp circle { stroke: #8250df; fill: #8250df; }
svg.timeline .fx-hyp text { fill: #8250df; }
svg.timeline .flush text { fill: var(--bad); font-weight: 700; font-size: 12px; }

/* Legend */
.legend { font-size: 12.5px; margin: 4px 0 8px; }
.legend ul { margin: 4px 0; padding-left: 18px; columns: 2 420px; }
.legend .sw { display: inline-block; width: 26px; height: 11px; border: 1.5px solid; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }

/* Step list and state panel */
.detail { display: grid; grid-template-columns: minmax(0, 1fr) minmax(360px, 44%); gap: 16px; align-items: start; }
ol.steps { list-style: none; margin: 0; padding: 0; font-family: var(--mono); font-size: 12px; }
ol.steps li { border: 1px solid transparent; border-bottom-color: #eaeef2; padding: 4px 6px; cursor: pointer; }
ol.steps li:hover { background: #f6f8fa; }
ol.steps li.sel { border-color: #0969da; background: #eef5ff; }
ol.steps li.viol { border-left: 4px solid var(--bad); }
ol.steps .head { font-weight: 700; }
ol.steps .num { display: inline-block; min-width: 2.2em; color: var(--muted); }
ol.steps .cpu { display: inline-block; min-width: 3.6em; color: var(--muted); }
ol.steps .row { padding-left: 2.6em; white-space: pre-wrap; word-break: break-word; }
ol.steps .row .k { color: var(--muted); display: inline-block; min-width: 5.5em; }
ol.steps .row.note { color: #6e5600; }
ol.steps .row.err { color: var(--bad); font-weight: 600; }
aside.state { position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow: auto; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; background: #fff; }
aside.state h4 { margin: 0 0 4px; font-size: 14px; }
aside.state h5 { margin: 10px 0 2px; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
aside.state table { font-family: var(--mono); font-size: 11.5px; margin: 2px 0; }
aside.state td, aside.state th { padding: 1px 6px; }
aside.state td.chg { background: #fff4d6; font-weight: 700; }
aside.state .was { color: var(--muted); font-weight: 400; }
aside.state .nav { float: right; }
aside.state button, .astext button { font: inherit; font-size: 12px; padding: 1px 8px; cursor: pointer; }
aside.state .preview { color: var(--muted); font-size: 11px; }
details.astext pre { background: var(--panel); padding: 8px; overflow-x: auto; border: 1px solid var(--line); }
details > summary { cursor: pointer; color: #0550ae; margin: 6px 0; }

/* Cost bars */
svg.bars { display: block; font-family: var(--sans); font-size: 12px; }
svg.bars .bar rect { fill: #5b7db1; }
svg.bars .bar.oracle rect { fill: #9aa5b1; }
svg.bars .bar.worst rect { fill: #b7791f; }
svg.bars text.val { fill: #1b1f24; font-family: var(--mono); font-size: 11px; }
svg.bars text.lbl { fill: #1b1f24; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.charts figure { margin: 0; }
.charts figcaption { font-weight: 600; font-size: 13px; margin-bottom: 2px; }

/* With the script, only the selected trace is shown. */
.js article.trace:not(.active) { display: none; }

@media (max-width: 1000px) {
  .detail { grid-template-columns: 1fr; }
  aside.state { position: static; max-height: none; }
}
@media print {
  main { max-width: none; padding: 0; }
  nav.toc, .picker, .keys, aside.state .nav, button { display: none !important; }
  .tl-wrap { overflow: visible; border: none; }
  svg.timeline { max-width: 100%; height: auto; }
  .detail { grid-template-columns: 1fr; }
  aside.state { position: static; max-height: none; overflow: visible; }
  details.astext:not([open]) { display: none; }
  article.trace { border-top: none; }
  .tl-wrap, .violation, aside.state table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
