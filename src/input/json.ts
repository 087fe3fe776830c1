/**
 * JSON documents with positions: JSON.parse for speed, and only when something is wrong a
 * second look to say where (the line, from a scanner of our own, or from the YAML parser, JSON
 * being YAML, for the line of a value at a path).
 */

import { LineCounter, type Node, parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { checkDepth, MAX_DEPTH } from './limits.js';

/** Parses JSON text; malformed JSON is an InputError naming the line and what was expected. */
export function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') throw new InputError('the file is empty: expected one JSON document', file, undefined, undefined, 'FPC403');
  try {
    const value: unknown = JSON.parse(text);
    checkDepth(value, file);
    return value;
  } catch (e) {
    if (e instanceof InputError) throw e;
    let where: { offset: number; message: string };
    try {
      where = jsonError(text);
    } catch (deep) {
      // The scanner recurses once per level: a stack overflow there is the nesting limit.
      if (!(deep instanceof RangeError)) throw deep;
      throw new InputError(
        `nested more than ${MAX_DEPTH} levels deep: no fpctx document is; is this the right file?`,
        file,
        undefined,
        undefined,
        'FPC403',
      );
    }
    const { offset, message } = where;
    const at = positionOf(text, offset);
    throw new InputError(`malformed JSON: ${message}`, file, at.line, undefined, 'FPC403', at.col);
  }
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - nl };
}

/** Line and column of the value at `path` (or of its nearest ancestor that exists). */
export function positionOfPath(text: string, path: readonly (string | number)[]): { line: number; col: number } | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    const at = node?.range?.[0];
    if (at !== undefined) return lc.linePos(at);
  }
  return undefined;
}

/** The line of the value at `path` (or of its nearest ancestor that exists). */
export function lineOfPath(text: string, path: readonly (string | number)[]): number | undefined {
  return positionOfPath(text, path)?.line;
}

/**
 * Where JSON.parse failed, and why, in one line. V8's own message has no position for most
 * errors (and quotes the text, newlines included), so this small scanner finds it.
 */
export function jsonError(t: string): { offset: number; message: string } {
  let i = 0;
  class Bad {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  const ws = () => {
    while (i < t.length && ' \t\r\n'.includes(t[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new Bad(i, i >= t.length ? `unexpected end of input, expected ${what}` : `unexpected ${JSON.stringify(t[i])}, expected ${what}`);
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{') {
      i++;
      ws();
      if (t[i] === '}') return void i++;
      for (;;) {
        ws();
        if (t[i] !== '"') fail('a quoted key');
        string();
        ws();
        if (t[i] !== ':') fail("':'");
        i++;
        value();
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === '}') return void i++;
        else fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (t[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === ']') return void i++;
        else fail("',' or ']'");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(t.slice(i, i + 64));
    if (m) {
      i += m[0].length;
      return;
    }
    fail('a value');
  };
  const string = () => {
    i++;
    while (i < t.length && t[i] !== '"') {
      if (t[i] === '\n') fail('a closing quote');
      i += t[i] === '\\' ? 2 : 1;
    }
    if (i >= t.length) fail('a closing quote');
    i++;
  };
  try {
    value();
    ws();
    if (i < t.length) fail('the end of the document');
    return { offset: 0, message: 'not valid JSON' };
  } catch (e) {
    if (e instanceof Bad) return { offset: e.offset, message: e.message };
    throw e;
  }
}
