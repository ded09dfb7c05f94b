/**
 * The openai SDK reads an error's message from `{"error": {"message": …}}`. Compatible servers
 * answer in other shapes: older vLLM `{"object":"error","message":…}`, TGI and LM Studio
 * `{"error":"…","error_type":…}`, FastAPI `{"detail":"…"}`. The SDK then loses the text
 * ("400 status code (no body)"), and with it both the user's explanation and the only sign of a
 * context overflow. This rewrites such bodies into OpenAI's shape; anything else passes untouched.
 */
export function normalizeErrorBody(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'object' && error !== null) return undefined;
  let message: string | undefined;
  if (typeof error === 'string') message = error;
  else if (typeof record.message === 'string') message = record.message;
  else if (typeof record.detail === 'string') message = record.detail;
  if (message === undefined) return undefined;
  const type = typeof record.error_type === 'string' ? record.error_type : typeof record.type === 'string' ? record.type : null;
  const { error: _error, message: _message, detail: _detail, object: _object, error_type: _errorType, ...rest } = record;
  return JSON.stringify({ error: { ...rest, message, type, param: record.param ?? null, code: record.code ?? null } });
}

/** A fetch whose failed JSON answers are in OpenAI's error shape (see {@link normalizeErrorBody}). */
export function withReadableErrors(fetchImplementation: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImplementation(input, init);
    if (response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    const normalized = normalizeErrorBody(text);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(normalized ?? text, { status: response.status, statusText: response.statusText, headers });
  };
}
