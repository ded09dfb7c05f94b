import { describe, expect, it } from 'vitest';
import { decodeBody } from './decode-body.js';
import { htmlToMarkdown } from './html-to-markdown.js';

describe('htmlToMarkdown', () => {
  it('converts a short page without an article from its body, minus navigation and scripts', () => {
    const page = htmlToMarkdown(
      '<html><head><title> Index </title></head><body><nav>Menu</nav><ul><li><a href="a.html">A</a></li><li>B</li></ul><script>x()</script></body></html>',
      'https://docs.example/guide/',
    );
    expect(page.title).toBe('Index');
    expect(page.markdown).toBe('-   [A](https://docs.example/guide/a.html)\n-   B');
  });

  it('resolves links against <base href>', () => {
    const page = htmlToMarkdown('<html><head><base href="https://cdn.example/v2/"></head><body><p><img src="img.png" alt="plot"></p></body></html>', 'https://docs.example/');
    expect(page.markdown).toBe('![plot](https://cdn.example/v2/img.png)');
  });
});

describe('decodeBody', () => {
  it('decodes with the charset of the content type', () => {
    const body = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    expect(decodeBody(body, 'text/plain; charset=ISO-8859-1')).toEqual({ kind: 'text', mediaType: 'text/plain', text: 'café' });
  });

  it('uses the HTML meta charset when the header has none', () => {
    const body = Buffer.concat([Buffer.from('<html><head><meta charset="shift_jis"></head><body>'), Buffer.from([0x82, 0xa0]), Buffer.from('</body></html>')]);
    expect(decodeBody(body, 'text/html').text).toContain('<body>あ</body>');
  });

  it('sniffs bodies without a content type', () => {
    expect(decodeBody(Buffer.from('<!DOCTYPE html><html></html>'), undefined).kind).toBe('html');
    expect(decodeBody(Buffer.from('just words'), undefined).kind).toBe('text');
    expect(decodeBody(Buffer.from([1, 0, 2, 3]), undefined).kind).toBe('binary');
  });

  it('treats JSON and XML flavours as text and octet streams as binary', () => {
    expect(decodeBody(Buffer.from('{}'), 'application/vnd.api+json').kind).toBe('text');
    expect(decodeBody(Buffer.from('<a/>'), 'application/atom+xml').kind).toBe('text');
    expect(decodeBody(Buffer.from('abc'), 'application/octet-stream').kind).toBe('binary');
    expect(decodeBody(Buffer.from('%PDF'), 'application/pdf').kind).toBe('binary');
  });
});
