/**
 * Building HTML and SVG as strings, safely: every text and attribute value goes through esc().
 * Names in a report come from scenario files (user input), so nothing is interpolated raw.
 */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]!);
}

export type Attrs = Record<string, string | number | boolean | undefined | null>;

function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${esc(typeof v === 'number' ? round(v) : v)}"`;
  }
  return out;
}

/** Numbers in SVG coordinates: at most one decimal, so output is stable and small. */
export function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** An element whose children are already markup. */
export function el(tag: string, a: Attrs, ...children: (string | false | null | undefined)[]): string {
  return `<${tag}${attrs(a)}>${children.filter((c) => c).join('')}</${tag}>`;
}

/** A void/self-closing element. */
export function leaf(tag: string, a: Attrs, svg = true): string {
  return svg ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>`;
}

/** An element with escaped text content. */
export function text(tag: string, a: Attrs, content: string | number): string {
  return `<${tag}${attrs(a)}>${esc(content)}</${tag}>`;
}

/** JSON for a <script type="application/json"> block: no sequence can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Truncates to `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  if (max <= 1) return s.length ? '…' : '';
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
