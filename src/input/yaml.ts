/**
 * YAML documents with line numbers: parsing (yaml keeps every node's range), and zod issues
 * mapped back to the YAML node they are about, so that every error names `file:line: field`.
 * Scenario files and workload profiles both read through here.
 */

import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { InputError } from '../errors.js';
import { checkDepth, kindOfValue, MAX_ALIASES, MAX_DEPTH } from './limits.js';

export type YamlPath = (string | number)[];

/** A parsed YAML document, its plain value, and where its nodes are. */
export interface YamlInput {
  readonly file: string;
  readonly value: unknown;
  /** The document's root node (for zodToInputError). */
  readonly root: unknown;
  /** 1-based line of a character offset. */
  lineAt(offset: number | undefined): number | undefined;
  /** 1-based line of the node at `path`, if there is one. */
  lineOf(path: YamlPath): number | undefined;
}

/**
 * Parses YAML text; malformed YAML is an InputError at the line of the first error, and so are
 * an alias bomb (more than MAX_ALIASES aliases expanded) and nesting beyond MAX_DEPTH.
 */
export function parseYaml(text: string, file: string): YamlInput {
  const lc = new LineCounter();
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lc.linePos(offset).line);
  const bad = (message: string, line?: number): never => {
    throw new InputError(message, file, line, undefined, 'FPC403');
  };
  let doc: Document.Parsed;
  let value: unknown;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      // An error found at end of input (an unclosed bracket, say) belongs to the last line with content.
      const lastContent = text.trimEnd().length - 1;
      const at = Math.max(0, Math.min(e.pos[0], lastContent));
      // yaml reports its own stack overflow on deep nesting as a parse error: say what it means.
      if (/call stack/i.test(e.message)) bad(`nested more than ${MAX_DEPTH} levels deep: no fpctx document is; is this the right file?`);
      bad(`malformed YAML: ${e.message.split('\n')[0]}`, lineAt(at));
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof ReferenceError && /alias/i.test(e.message))
      bad(`too many aliases expanded (more than ${MAX_ALIASES}): an alias bomb? fpctx documents need none`);
    if (e instanceof RangeError) bad(`nested more than ${MAX_DEPTH} levels deep: no fpctx document is; is this the right file?`);
    throw e;
  }
  checkDepth(value, file);
  return {
    file,
    value,
    root: doc.contents,
    lineAt,
    lineOf: (path) => lineAt((doc.getIn(path, true) as Node | undefined)?.range?.[0]),
  };
}

/**
 * The value checked against `schema`; the first issue becomes an InputError at its YAML node.
 * `what` names the kind of document in the sentence for an empty file or a value that is not a
 * mapping (`a scenario (name, machine, steps)`).
 */
export function validateYaml<T>(schema: ZodType<T>, input: YamlInput, what?: string): T {
  if (what && (input.value === null || input.value === undefined))
    throw new InputError(`the file is empty: expected ${what}`, input.file, undefined, undefined, 'FPC403');
  if (what && (typeof input.value !== 'object' || Array.isArray(input.value)))
    throw new InputError(`expected ${what} as a mapping of fields, got ${kindOfValue(input.value)}`, input.file, 1, undefined, 'FPC404');
  const parsed = schema.safeParse(input.value);
  if (!parsed.success) throw zodToInputError(parsed.error, input.root, input.file, input.lineAt);
  return parsed.data;
}

/** The first zod issue as an InputError pointing at the offending YAML node. */
export function zodToInputError(
  err: ZodError,
  root: unknown,
  file: string,
  lineAt: (o: number | undefined) => number | undefined,
): InputError {
  const issue = err.issues[0]!;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  let node = nodeAt(root, path);
  let field = path.join('.').replace(/\.(\d+)/g, '[$1]');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair) node = pair.key as Node;
    }
    field = field ? `${field}.${key}` : key;
    message = `unknown field '${key}'`;
  } else if (issue.code === 'invalid_type' && node === undefined) {
    message = `missing required field`;
  }
  const offset = (node as Node | undefined)?.range?.[0] ?? (nodeAt(root, path.slice(0, -1)) as Node | undefined)?.range?.[0];
  return new InputError(message, file, lineAt(offset), field || undefined, 'FPC404');
}

function nodeAt(root: unknown, path: YamlPath): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node && typeof node === 'object' && 'get' in node && typeof (node as { get: unknown }).get === 'function') {
      node = (node as { get(k: unknown, keepScalar: boolean): unknown }).get(key, true);
    } else return undefined;
  }
  return node;
}
