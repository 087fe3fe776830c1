/**
 * JSON documents with positions: JSON.parse for speed, and only when something is wrong a
 * second look to say where (the line, from a scanner of our own, or from the YAML parser, JSON
 * being YAML, for the line of a value at a path).
 */

import { LineCounter, type Node, parseDocument } from 'yaml';
import { InputError } from '../errors.js';

/** Parses JSON text; malformed JSON is an InputError naming the line and what was expected. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const { offset, message } = jsonError(text);
    throw new InputError(`malformed JSON: ${message}`, file, text.slice(0, offset).split('\n').length, undefined, 'FPC403');
  }
}

/** The line of the value at `path` (or of its nearest ancestor that exists). */
export function lineOfPath(text: string, path: readonly (string | number)[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    const at = node?.range?.[0];
    if (at !== undefined) return lc.linePos(at).line;
  }
  return undefined;
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
