import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/app-error';

/**
 * PostgreSQL's text cannot hold U+0000: a NUL anywhere in a path parameter, the query or a JSON
 * body reached the database and came back as a 500 (an operator looking up user `%00`). Refused
 * up front, for every route, with the place it was found.
 */
export function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  // A Buffer or a stream (an upload, a proxied body) is not text.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = key.includes('\u0000') ? `${path}.${key}` : findNul(inner, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found =
      findNul(request.params, 'params') ?? findNul(request.query, 'query') ?? findNul(request.body, 'body');
    if (found)
      throw AppError.invalid('INVALID_CHARACTERS', 'Text may not contain NUL (U+0000) characters', {
        path: found,
      });
  });
}
