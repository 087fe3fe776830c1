/**
 * Variant expressions: a built-in variant with commits of the modelled history added or removed,
 * `v5.17+d52d165d67c5`, `mainline+5cbb61bf4168`, `v6.12-751ecf6afd65`, `v4.18-b3eb56b629d1+...`.
 *
 * Grammar: BASE ( ('+' | '-') COMMIT )*, where BASE is a built-in variant's name (the longest
 * that prefixes the text: names contain '-' too) and COMMIT a commit id, an unambiguous
 * abbreviation of 7+ hex digits, a full hash, or a kernel commit a model series folds in.
 * The set is resolved like a release's (src/history/resolve.ts), once per distinct set.
 */

import { InputError } from '../errors.js';
import { COMMITS, lookupCommit } from '../history/commits.js';
import { inHistoryOrder, resolveKernel } from '../history/resolve.js';
import { VARIANTS, findVariant } from './index.js';
import type { Variant } from './types.js';

const bad = (message: string) => new InputError(message, undefined, undefined, '--variant');

/** Does the text look like an expression (a built-in name followed by +id or -id)? */
export function isVariantExpression(text: string): boolean {
  return parseBase(text) !== undefined && parseBase(text)!.length < text.length;
}

function parseBase(text: string): string | undefined {
  let best: string | undefined;
  for (const v of VARIANTS) {
    if (text.startsWith(v.name) && (text.length === v.name.length || /[+-]/.test(text[v.name.length]!))) {
      if (!best || v.name.length > best.length) best = v.name;
    }
  }
  return best;
}

/**
 * The variant an expression names, or undefined when the text starts with no built-in name.
 * Throws InputError for an unknown commit, a commit added twice or removed while absent, and an
 * inconsistent set.
 */
export function variantOfExpression(text: string): Variant | undefined {
  const baseName = parseBase(text);
  if (baseName === undefined) return undefined;
  const base = findVariant(baseName)!;
  if (baseName.length === text.length) return base;
  const set = new Set(base.commits);
  const ops: string[] = [];
  const ids = COMMITS.map((c) => c.id).sort((a, b) => b.length - a.length);
  let i = baseName.length;
  while (i < text.length) {
    const op = text[i]!;
    if (op !== '+' && op !== '-') throw bad(`in '${text}': expected + or - at '${text.slice(i)}'`);
    const rest = text.slice(i + 1);
    // A named commit may contain '-' (no-sve-flush): take the longest id that matches here, else
    // a hash up to the next operator.
    const named = ids.find((id) => rest.startsWith(id) && (rest.length === id.length || /[+-]/.test(rest[id.length]!)));
    const token = named ?? rest.split(/[+-]/)[0]!;
    const c = token ? lookupCommit(token) : undefined;
    if (!c) throw bad(`in '${text}': unknown commit '${token}' (\`fpctx commits\` lists the modelled history)`);
    if (op === '+') {
      if (set.has(c.id)) throw bad(`in '${text}': ${base.name} already has ${c.id}`);
      set.add(c.id);
    } else {
      if (!set.has(c.id)) throw bad(`in '${text}': ${base.name} does not have ${c.id}`);
      set.delete(c.id);
    }
    ops.push(`${op}${c.id}`);
    i += 1 + token.length;
  }
  const commits = inHistoryOrder(set).map((c) => c.id);
  return {
    name: text,
    kernel: `${base.kernel} ${ops.join(' ')}`,
    summary: `${base.name} with ${ops.map((o) => (o[0] === '+' ? `${o.slice(1)} added` : `${o.slice(1)} reverted`)).join(', ')}`,
    status: 'derived',
    extends: base.name,
    commits,
    Kernel: resolveKernel(commits, text),
  };
}
