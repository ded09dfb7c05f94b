import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from './history.js';
import { UNKNOWN_IMAGE_TOKENS, estimateImageTokens, sniffImage } from './image.js';
import { messageText, type Message } from './messages.js';
import { createRedactor, redactValue } from './redaction.js';
import { messageSchema } from './session-store.js';
import { temporaryDirectories, testPng } from './testing.js';
import { JsonlSessionStore, readSessionLog, replayHistory } from './session-log.js';
import { createCharEstimateCounter, countMessageTokens } from './token-counter.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

describe('sniffImage', () => {
  it('reads type and size from PNG, GIF, JPEG and WebP headers, and nothing from other bytes', () => {
    expect(sniffImage(testPng(640, 480))).toEqual({ mediaType: 'image/png', width: 640, height: 480 });
    const gif = Buffer.from('GIF89a\x20\x03\x58\x02\x00\x00\x00', 'latin1');
    expect(sniffImage(gif)).toEqual({ mediaType: 'image/gif', width: 800, height: 600 });
    // SOI, an APP0 segment, then SOF0 with height 300 and width 400.
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0x90, 0x03, 0, 0, 0, 0, 0, 0]);
    expect(sniffImage(jpeg)).toEqual({ mediaType: 'image/jpeg', width: 400, height: 300 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'ascii');
    webp.write('WEBPVP8X', 8, 'ascii');
    webp.writeUIntLE(1023, 24, 3);
    webp.writeUIntLE(767, 27, 3);
    expect(sniffImage(webp)).toEqual({ mediaType: 'image/webp', width: 1024, height: 768 });
    expect(sniffImage(Buffer.from('hello world, not an image'))).toBeUndefined();
    expect(sniffImage(testPng(4, 4).subarray(0, 12))).toBeUndefined();
  });
});

describe('image tokens', () => {
  it("follows (width × height) / 750 and caps large images at the providers' downscale", () => {
    expect(estimateImageTokens({ width: 750, height: 100 })).toBe(100);
    expect(estimateImageTokens({ width: 1000, height: 1000 })).toBe(1334);
    expect(estimateImageTokens({ width: 8000, height: 8000 })).toBeLessThanOrEqual(1600);
    expect(estimateImageTokens({})).toBe(UNKNOWN_IMAGE_TOKENS);
  });

  it('counts an image in the history and in countMessageTokens, not its base64 text', () => {
    const data = testPng(1000, 1000).toString('base64');
    const message: Message = { role: 'tool', toolCallId: 'c1', toolName: 'read', content: 'plot.png', isError: false, images: [{ type: 'image', mediaType: 'image/png', data, width: 1000, height: 1000 }] };
    const counter = createCharEstimateCounter();
    const tokens = countMessageTokens(counter, message);
    expect(tokens).toBeGreaterThan(1334);
    expect(tokens).toBeLessThan(1334 + 50);
    expect(messageText(message)).toContain('[image: image/png 1000×1000]');
    expect(messageText(message)).not.toContain(data.slice(0, 40));
    const history = new History({ counter, messages: [message] });
    expect(history.rawTokens).toBe(tokens);
    expect(history.upperBoundTokens).toBe(tokens);
  });
});

describe('image parts in the session log', () => {
  it('round-trip through the log schema and the JSONL store, and redaction leaves their bytes alone', async () => {
    const data = testPng(3, 2).toString('base64');
    const image = { type: 'image' as const, mediaType: 'image/png' as const, data, width: 3, height: 2 };
    const messages: Message[] = [
      { role: 'user', content: 'look at this', images: [image] },
      { role: 'tool', toolCallId: 'c1', toolName: 'read', content: 'plot.png: PNG image', isError: false, images: [image] },
    ];
    for (const message of messages) expect(messageSchema.parse(message)).toEqual(message);

    const redact = createRedactor({ secrets: [data.slice(8, 24)] });
    const redacted = redactValue(messages, redact);
    expect(redacted).toEqual(messages);

    const root = directories.make('ml-intern-image-log-');
    const store = new JsonlSessionStore(root);
    const writer = store.create({ id: 'img1', model: 'm', cwd: root, started_at: new Date().toISOString(), config_digest: 'x' });
    for (const message of messages) writer.append({ kind: 'message', message });
    await writer.close();
    const file = readFileSync(writer.location, 'utf8');
    expect(file).toContain(data);
    const loaded = readSessionLog(writer.location);
    expect(loaded.warnings).toEqual([]);
    expect(replayHistory(loaded.records)).toEqual(messages);
  });
});
