import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.js';

describe('markdownToMrkdwn', () => {
  it.each([
    ['bold', 'a **bold** word', 'a *bold* word'],
    ['bold with underscores', 'a __bold__ word', 'a *bold* word'],
    ['italic with asterisks', 'an *italic* word', 'an _italic_ word'],
    ['italic with underscores stays', 'an _italic_ word', 'an _italic_ word'],
    ['bold and italic together', '**b** then *i*', '*b* then _i_'],
    ['bold italic', '***both***', '*_both_*'],
    ['strikethrough', '~~gone~~ here', '~gone~ here'],
    ['heading to bold', '# Results', '*Results*'],
    ['deep heading with bold inside', '### Step **2** done ###', '*Step 2 done*'],
    ['link', 'see [the docs](https://hf.co/docs)', 'see <https://hf.co/docs|the docs>'],
    ['link with query string', '[q](https://x.io/a?b=1&c=2)', '<https://x.io/a?b=1&amp;c=2|q>'],
    ['link with parentheses', '[w](https://en.wikipedia.org/wiki/Foo_(bar))', '<https://en.wikipedia.org/wiki/Foo_(bar)|w>'],
    ['link with bold label', '[**Model**](https://hf.co/m)', '<https://hf.co/m|*Model*>'],
    ['image', '![plot](https://x.io/p.png)', '<https://x.io/p.png|plot>'],
    ['relative link is not linkable', '[script](./train.py)', 'script (./train.py)'],
    ['autolink', '<https://hf.co>', '<https://hf.co>'],
    ['bare URL with underscores untouched', 'at https://x.io/__init__.py, ok', 'at https://x.io/__init__.py, ok'],
    ['escape & < >', 'a < b && c > d', 'a &lt; b &amp;&amp; c &gt; d'],
    ['looks like a Slack mention', 'ping <!channel> <@U123>', 'ping &lt;!channel&gt; &lt;@U123&gt;'],
    ['inline code protected', '`**x** <y> _z_`', '`**x** &lt;y&gt; _z_`'],
    ['bold around code', '**run `make` now**', '*run `make` now*'],
    ['code block keeps content, drops language', '```python\nx = a**2 < 3  # *no*\n```', '```\nx = a**2 &lt; 3  # *no*\n```'],
    ['tilde fence', '~~~\n~~a~~\n~~~', '```\n~~a~~\n```'],
    ['unclosed fence is closed', '```\ncode', '```\ncode\n```'],
    ['bullets', '- one *i*\n* two\n  + nested', '• one _i_\n• two\n  • nested'],
    ['numbered list unchanged', '1. first\n2. second', '1. first\n2. second'],
    ['quote', '> quoted **b**', '> quoted *b*'],
    ['horizontal rule', 'a\n\n---\n\nb', 'a\n\n──────────\n\nb'],
    ['table to aligned code block', '| model | acc |\n|---|---:|\n| **tiny** | 0.9 |', '```\nmodel | acc\ntiny  | 0.9\n```'],
    ['snake_case and arithmetic untouched', 'snake_case_name and 2 * 3 * 4', 'snake_case_name and 2 * 3 * 4'],
    ['lone asterisks untouched', 'a * b', 'a * b'],
    ['escaped markers stay literal characters', 'not \\*italic\\* \\# no', 'not *italic* # no'],
    ['CRLF line endings', 'a\r\n**b**', 'a\n*b*'],
    ['empty', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(markdownToMrkdwn(input)).toBe(expected);
  });

  it('leaves no placeholder characters behind', () => {
    const input = 'x \uE000 y \uE101 z `code` [l](https://a.b)';
    expect(markdownToMrkdwn(input)).toBe('x  y  z `code` <https://a.b|l>');
  });
});
