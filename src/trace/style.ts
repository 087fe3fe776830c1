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

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const enabled = !!stream.isTTY && !('NO_COLOR' in env) && env.TERM !== 'dumb';
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, good: c.green, bad: (s) => c.bold(c.red(s)), warn: c.yellow };
}

export const PLAIN: Style = plain;
