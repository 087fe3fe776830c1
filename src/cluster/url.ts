/**
 * The `--redis` flag's value, checked without loading the Redis client (the CLI parses flags of
 * every command; only a run that uses Redis loads ioredis).
 */

import { InputError } from '../errors.js';

/** Checks a `--redis` URL (redis:// or rediss://, host required); returns it. */
export function redisUrl(text: string, flag = '--redis'): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError(`expected a URL such as redis://127.0.0.1:6379, got '${text}'`, undefined, undefined, flag);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new InputError(`expected a redis:// or rediss:// URL, got '${text}'`, undefined, undefined, flag);
  if (!u.hostname) throw new InputError(`the URL names no host: '${text}'`, undefined, undefined, flag);
  return text;
}
