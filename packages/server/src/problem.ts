import type { Context } from 'hono';

/** An error as every route answers it: a code, and a message that says what and how to fix it. */
export function problem(c: Context, status: 400 | 403 | 404 | 409 | 500, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}
