/**
 * YAML documents with line numbers: parsing (yaml keeps every node's range), and zod issues
 * mapped back to the YAML node they are about, so that every error names `file:line: field`.
 * Scenario files and workload profiles both read through here.
 */

import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { InputError } from '../errors.js';

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

/** Parses YAML text; malformed YAML is an InputError at the line of the first error. */
export function parseYaml(text: string, file: string): YamlInput {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lc.linePos(offset).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // An error found at end of input (an unclosed bracket, say) belongs to the last line with content.
    const lastContent = text.trimEnd().length - 1;
    const at = Math.max(0, Math.min(e.pos[0], lastContent));
    throw new InputError(`malformed YAML: ${e.message.split('\n')[0]}`, file, lineAt(at), undefined, 'FPC403');
  }
  return {
    file,
    value: doc.toJS() as unknown,
    root: doc.contents,
    lineAt,
    lineOf: (path) => lineAt((doc.getIn(path, true) as Node | undefined)?.range?.[0]),
  };
}

/** The value checked against `schema`; the first issue becomes an InputError at its YAML node. */
export function validateYaml<T>(schema: ZodType<T>, input: YamlInput): T {
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
