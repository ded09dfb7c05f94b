import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const now = Date.parse('2025-06-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads Retry-After delay-seconds, decimals included, as milliseconds', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 7 ', now)).toBe(7_000);
    expect(parseRetryAfter('0.04', now)).toBe(40);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it, and a past date as no wait', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:01:01 GMT', now)).toBe(61_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('returns undefined for an absent, empty or unreadable value, negative numbers included', () => {
    for (const value of [undefined, null, '', '  ', 'soon', '-5', '1e3', '+2']) expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
  });

  it('prefers retry-after-ms over retry-after in fetch headers', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '1250', 'retry-after': '30' }), now)).toBe(1_250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }), now)).toBe(2_000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': 'later', 'retry-after': '2' }), now)).toBe(2_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 12:00:10 GMT' }), now)).toBe(10_000);
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });

  it('reads plain header records case-insensitively, numbers and arrays included', () => {
    expect(parseRetryAfter({ 'Retry-After': '90' }, now)).toBe(90_000);
    expect(parseRetryAfter({ 'retry-after': 3 }, now)).toBe(3_000);
    expect(parseRetryAfter({ 'retry-after-ms': ['500'], 'retry-after': '9' }, now)).toBe(500);
    expect(parseRetryAfter({ 'retry-after': undefined }, now)).toBeUndefined();
  });
});
