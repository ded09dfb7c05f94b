/** One field of a GraphQL selection set, found by a loose scan (enough for fake servers, not a validator). */
export interface GraphqlField {
  name: string;
  /** The key the answer goes under (the alias when there is one). */
  key: string;
  arguments: Record<string, unknown>;
  /** Text of the field's own selection set, without the outer braces ('' for a leaf). */
  selection: string;
}

const NAME = /[_A-Za-z][_0-9A-Za-z]*/y;

/** Index just past the bracket matching the one at `start` (strings and comments skipped). */
function skipBalanced(text: string, start: number): number {
  const open = text[start];
  const close = open === '(' ? ')' : open === '[' ? ']' : '}';
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      index++;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
    } else if (char === '#') {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (char === open) depth++;
    else if (char === close && --depth === 0) return index + 1;
  }
  return text.length;
}

function skipIgnored(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '#') {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (/[\s,]/.test(char)) index++;
    else break;
  }
  return index;
}

function readName(text: string, start: number): string | undefined {
  NAME.lastIndex = start;
  return NAME.exec(text)?.[0];
}

/** Parse one GraphQL input value starting at `start`; returns the value and the index after it. */
function parseValue(text: string, start: number, variables: Record<string, unknown>): [unknown, number] {
  const index = skipIgnored(text, start);
  const char = text[index];
  if (char === '$') {
    const name = readName(text, index + 1) ?? '';
    return [variables[name], index + 1 + name.length];
  }
  if (char === '"') {
    const end = skipBalancedString(text, index);
    return [JSON.parse(text.slice(index, end)), end];
  }
  if (char === '[') {
    const end = skipBalanced(text, index);
    const items: unknown[] = [];
    let cursor = skipIgnored(text, index + 1);
    while (cursor < end - 1) {
      const [value, next] = parseValue(text, cursor, variables);
      items.push(value);
      cursor = skipIgnored(text, next);
    }
    return [items, end];
  }
  if (char === '{') {
    const end = skipBalanced(text, index);
    return [parseArguments(text.slice(index + 1, end - 1), variables), end];
  }
  const literal = /-?\d+(\.\d+)?|[_A-Za-z][_0-9A-Za-z]*/y;
  literal.lastIndex = index;
  const token = literal.exec(text)?.[0] ?? '';
  const end = index + token.length;
  if (token === 'true' || token === 'false') return [token === 'true', end];
  if (token === 'null') return [null, end];
  if (/^-?\d/.test(token)) return [Number(token), end];
  return [token, end];
}

function skipBalancedString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

/** Parse `key: value, key: value` (the inside of a field's parentheses or an input object). */
export function parseArguments(text: string, variables: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  let index = skipIgnored(text, 0);
  while (index < text.length) {
    const key = readName(text, index);
    if (!key) break;
    index = skipIgnored(text, index + key.length);
    if (text[index] !== ':') break;
    const [value, next] = parseValue(text, index + 1, variables);
    result[key] = value;
    index = skipIgnored(text, next);
  }
  return result;
}

/** The fields of a selection set body (`a b(x: 1) { c }`), fragments and inline fragments skipped. */
export function parseSelection(selection: string, variables: Record<string, unknown>): GraphqlField[] {
  const fields: GraphqlField[] = [];
  let index = skipIgnored(selection, 0);
  while (index < selection.length) {
    if (selection.startsWith('...', index)) {
      index = skipIgnored(selection, index + 3);
      const word = readName(selection, index) ?? '';
      index = skipIgnored(selection, index + word.length);
      if (word === 'on') {
        const type = readName(selection, index) ?? '';
        index = skipIgnored(selection, index + type.length);
      }
      if (selection[index] === '{') index = skipIgnored(selection, skipBalanced(selection, index));
      continue;
    }
    let name = readName(selection, index);
    if (!name) {
      index++;
      continue;
    }
    let key = name;
    index = skipIgnored(selection, index + name.length);
    if (selection[index] === ':') {
      index = skipIgnored(selection, index + 1);
      name = readName(selection, index) ?? name;
      index = skipIgnored(selection, index + name.length);
    }
    let fieldArguments: Record<string, unknown> = {};
    if (selection[index] === '(') {
      const end = skipBalanced(selection, index);
      fieldArguments = parseArguments(selection.slice(index + 1, end - 1), variables);
      index = skipIgnored(selection, end);
    }
    let body = '';
    if (selection[index] === '{') {
      const end = skipBalanced(selection, index);
      body = selection.slice(index + 1, end - 1);
      index = skipIgnored(selection, end);
    }
    fields.push({ name, key, arguments: fieldArguments, selection: body });
  }
  return fields;
}

/** Top-level fields of the first operation in a GraphQL document (`query Name($a: T) { … }` or `{ … }`). */
export function parseTopLevelFields(query: string, variables: Record<string, unknown> = {}): GraphqlField[] {
  let index = 0;
  while (index < query.length && query[index] !== '{') {
    if (query[index] === '(') index = skipBalanced(query, index);
    else if (query[index] === '#') index = skipIgnored(query, index);
    else index++;
  }
  if (index >= query.length) return [];
  const end = skipBalanced(query, index);
  return parseSelection(query.slice(index + 1, end - 1), variables);
}

/** Find a field by name anywhere below `selection` (depth-first), e.g. `repositories` under `repositoryOwner`. */
export function findNestedField(selection: string, name: string, variables: Record<string, unknown>): GraphqlField | undefined {
  for (const field of parseSelection(selection, variables)) {
    if (field.name === name) return field;
    const nested = field.selection ? findNestedField(field.selection, name, variables) : undefined;
    if (nested) return nested;
  }
  // Inline fragments (`... on Blob { text }`) are skipped by parseSelection; search inside them too.
  for (const match of selection.matchAll(/\.\.\.\s*on\s+[_A-Za-z][_0-9A-Za-z]*\s*\{/g)) {
    const start = (match.index ?? 0) + match[0].length - 1;
    const found = findNestedField(selection.slice(start + 1, skipBalanced(selection, start) - 1), name, variables);
    if (found) return found;
  }
  return undefined;
}
