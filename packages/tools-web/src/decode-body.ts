/** How `web_fetch` treats a response body. */
export type BodyKind = 'html' | 'text' | 'binary';

export interface DecodedBody {
  kind: BodyKind;
  /** Media type without parameters, lower case (`text/html`); empty when the server sent none. */
  mediaType: string;
  /** Decoded text; empty for binary bodies. */
  text: string;
}

const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/x-ndjson',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'application/graphql',
]);

function parseContentType(header: string | undefined): { mediaType: string; charset: string | undefined } {
  const [type = '', ...parameters] = (header ?? '').split(';');
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=', 2).map((part) => part.trim());
    if (name?.toLowerCase() === 'charset' && value) charset = value.replace(/^"|"$/g, '');
  }
  return { mediaType: type.trim().toLowerCase(), charset };
}

function kindOfMediaType(mediaType: string): BodyKind | undefined {
  if (mediaType === '') return undefined;
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return 'html';
  if (mediaType.startsWith('text/')) return 'text';
  if (TEXT_APPLICATION_TYPES.has(mediaType) || mediaType.endsWith('+json') || mediaType.endsWith('+xml')) return 'text';
  return 'binary';
}

function looksBinary(body: Buffer): boolean {
  const sample = body.subarray(0, 4096);
  return sample.includes(0);
}

function decode(body: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/** `<meta charset>` or `http-equiv` charset from the first bytes of an HTML document. */
function metaCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 2048).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
}

/**
 * Classify and decode a response body by its content type. Without a content type the bytes are
 * sniffed: NUL bytes mean binary, an HTML prologue means HTML, anything else is text.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): DecodedBody {
  const { mediaType, charset } = parseContentType(contentType);
  let kind = kindOfMediaType(mediaType);
  if (kind === undefined) {
    if (looksBinary(body)) kind = 'binary';
    else kind = /^\s*(<!doctype html|<html[\s>])/i.test(body.subarray(0, 1024).toString('latin1')) ? 'html' : 'text';
  }
  if (kind === 'binary') return { kind, mediaType, text: '' };
  const text = decode(body, charset ?? (kind === 'html' ? metaCharset(body) : undefined));
  return { kind, mediaType, text };
}
