/**
 * Terminal styling: colours only on a TTY, never with NO_COLOR, never in JSON.
 */

import pc from 'picocolors';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
}

const plain: Style = { bold: (s) => s, dim: (s) => s, good: (s) => s, bad: (s) => s, warn: (s) => s };

/**
 * Colour only when the stream is a terminal, NO_COLOR is unset or empty (no-color.org: "when
 * present and not an empty string"), and TERM is not `dumb`.
 */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const enabled = colourEnabled(stream, env);
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, good: c.green, bad: (s) => c.bold(c.red(s)), warn: c.yellow };
}

export const PLAIN: Style = plain;
