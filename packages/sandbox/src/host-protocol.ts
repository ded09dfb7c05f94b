/**
 * The sandbox host's stdio protocol: length-prefixed binary frames both ways, so command output
 * crosses as raw bytes (no JSON or base64 per chunk).
 *
 * A frame is `u32 length` (of what follows), `u8 kind`, `u32 id`, then the body. Requests and
 * results carry `u32 jsonLength`, the JSON, then optional raw data (file contents).
 *
 * - client → host: `REQUEST` (id = call id; `{op, …}` + data), `CANCEL` (kill exec `id`)
 * - host → client: `RESULT` (`{ok: true, …}` or `{error: {code, message}}` + data), `STDOUT` and
 *   `STDERR` (raw bytes of exec `id`), `NOTICE` (id 0, `{message}`: a warning for the user)
 *
 * The same operations are served over HTTP (see `remote-sandbox.ts`) by the same program.
 */

export const FrameKind = {
  REQUEST: 1,
  CANCEL: 2,
  RESULT: 10,
  STDOUT: 11,
  STDERR: 12,
  NOTICE: 13,
} as const;

export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  kind: number;
  id: number;
  body: Buffer;
}

/** Largest frame accepted from the other side (file contents travel whole, up to the read cap). */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

const HEADER_BYTES = 9;

export function encodeFrame(kind: number, id: number, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length + 5, 0);
  frame.writeUInt8(kind, 4);
  frame.writeUInt32BE(id >>> 0, 5);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/** A JSON message with optional raw data after it. */
export function encodeMessage(value: unknown, data?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const body = Buffer.allocUnsafe(4 + json.length + (data?.length ?? 0));
  body.writeUInt32BE(json.length, 0);
  json.copy(body, 4);
  if (data) body.set(data, 4 + json.length);
  return body;
}

export function decodeMessage<T = Record<string, unknown>>(body: Buffer): { value: T; data: Buffer } {
  if (body.length < 4) throw new Error('sandbox host protocol: message too short');
  const length = body.readUInt32BE(0);
  if (4 + length > body.length) throw new Error('sandbox host protocol: message length out of range');
  const value = JSON.parse(body.subarray(4, 4 + length).toString('utf8')) as T;
  return { value, data: body.subarray(4 + length) };
}

/** Splits a byte stream into frames; throws on a malformed or oversized frame. */
export class FrameReader {
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;

  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes < 4) return;
    let data = this.#buffered.length === 1 ? (this.#buffered[0] as Buffer) : Buffer.concat(this.#buffered, this.#bufferedBytes);
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length < 5 || length > MAX_FRAME_BYTES) throw new Error(`sandbox host protocol: bad frame length ${length}`);
      if (data.length - offset - 4 < length) break;
      const kind = data.readUInt8(offset + 4);
      const id = data.readUInt32BE(offset + 5);
      onFrame({ kind, id, body: data.subarray(offset + HEADER_BYTES, offset + 4 + length) });
      offset += 4 + length;
    }
    data = offset === 0 ? data : data.subarray(offset);
    this.#buffered = data.length === 0 ? [] : [data];
    this.#bufferedBytes = data.length;
  }
}

/** Errors crossing the protocol: `code` is stable (`not_found`, `refused`, `not_regular`, …). */
export interface WireError {
  code: string;
  message: string;
}
