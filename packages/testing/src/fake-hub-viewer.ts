import { sendJson } from './http-fake.js';
import { sendError, type FakeRoute, type RouteContext } from './fake-hub-state.js';
import type { FakeContentState, FakeViewerDataset } from './fake-hub-content.js';

type Row = Record<string, unknown>;
type Value = string | number | boolean | null;

/** A parse or evaluation failure of `where` / `orderby`, answered as the viewer's 400. */
class ViewerQueryError extends Error {}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'op' | 'word' | 'paren' | 'comma';
  text: string;
}

// The viewer passes `where` to DuckDB after refusing anything that could end or comment the statement.
const FORBIDDEN = /;|--|\/\*|\*\//;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:"((?:[^"]|"")+)"|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|(<=|>=|<>|!=|=|<|>)|([A-Za-z_][\w]*)|([()])|(,))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new ViewerQueryError(`Parser Error: syntax error at or near "${text.slice(index).trim().slice(0, 20)}"`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'ident', text: match[1].replace(/""/g, '"') });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2].replace(/''/g, "'") });
    else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ kind: 'op', text: match[4] });
    else if (match[5] !== undefined) tokens.push({ kind: 'word', text: match[5] });
    else if (match[6] !== undefined) tokens.push({ kind: 'paren', text: match[6] });
    else tokens.push({ kind: 'comma', text: ',' });
  }
  return tokens;
}

type Predicate = (row: Row) => boolean;

/** A small SQL condition language, the part of DuckDB's the viewer's `where` examples use. */
function parseWhere(text: string, columns: readonly string[]): Predicate {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (word: string) => peek()?.kind === 'word' && peek()?.text.toUpperCase() === word;
  const next = () => {
    const token = tokens[position];
    if (!token) throw new ViewerQueryError('Parser Error: syntax error at end of input');
    position += 1;
    return token;
  };
  const column = (): string => {
    const token = next();
    if (token.kind !== 'ident' && token.kind !== 'word') throw new ViewerQueryError(`Parser Error: syntax error at or near "${token.text}"`);
    if (!columns.includes(token.text)) throw new ViewerQueryError(`Binder Error: Referenced column "${token.text}" not found in FROM clause!`);
    return token.text;
  };
  const literal = (): Value => {
    const token = next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
    if (token.kind === 'word' && /^null$/i.test(token.text)) return null;
    throw new ViewerQueryError(`Parser Error: syntax error at or near "${token.text}"`);
  };
  const compare = (left: unknown, op: string, right: Value): boolean => {
    if (left === null || left === undefined || right === null) return false;
    const a = typeof right === 'number' ? Number(left) : typeof right === 'boolean' ? Boolean(left) : String(left);
    switch (op) {
      case '=': return a === right;
      case '!=': case '<>': return a !== right;
      case '<': return a < right;
      case '<=': return a <= right;
      case '>': return a > right;
      default: return a >= right;
    }
  };
  const comparison = (): Predicate => {
    const name = column();
    if (isWord('IS')) {
      next();
      const negate = isWord('NOT') ? (next(), true) : false;
      if (!isWord('NULL')) throw new ViewerQueryError('Parser Error: syntax error after IS');
      next();
      return (row) => (row[name] === null || row[name] === undefined) !== negate;
    }
    const negate = isWord('NOT') ? (next(), true) : false;
    if (isWord('LIKE') || isWord('ILIKE')) {
      const insensitive = next().text.toUpperCase() === 'ILIKE';
      const pattern = literal();
      const source = String(pattern).replace(/[.+^${}()|[\]\\*?]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
      const expression = new RegExp(`^${source}$`, insensitive ? 'is' : 's');
      return (row) => row[name] !== null && row[name] !== undefined && expression.test(String(row[name])) !== negate;
    }
    if (isWord('IN')) {
      next();
      if (next().text !== '(') throw new ViewerQueryError('Parser Error: syntax error after IN');
      const values: Value[] = [literal()];
      while (peek()?.kind === 'comma') {
        next();
        values.push(literal());
      }
      if (next().text !== ')') throw new ViewerQueryError('Parser Error: syntax error: missing ")"');
      return (row) => values.some((value) => compare(row[name], '=', value)) !== negate;
    }
    if (negate) throw new ViewerQueryError('Parser Error: syntax error at or near "NOT"');
    const op = next();
    if (op.kind !== 'op') throw new ViewerQueryError(`Parser Error: syntax error at or near "${op.text}"`);
    const value = literal();
    return (row) => compare(row[name], op.text, value);
  };
  const factor = (): Predicate => {
    if (isWord('NOT')) {
      next();
      const inner = factor();
      return (row) => !inner(row);
    }
    if (peek()?.text === '(') {
      next();
      const inner = expression();
      if (next().text !== ')') throw new ViewerQueryError('Parser Error: syntax error: missing ")"');
      return inner;
    }
    return comparison();
  };
  const conjunction = (): Predicate => {
    const parts = [factor()];
    while (isWord('AND')) {
      next();
      parts.push(factor());
    }
    return (row) => parts.every((part) => part(row));
  };
  function expression(): Predicate {
    const parts = [conjunction()];
    while (isWord('OR')) {
      next();
      parts.push(conjunction());
    }
    return (row) => parts.some((part) => part(row));
  }
  const predicate = expression();
  if (position < tokens.length) throw new ViewerQueryError(`Parser Error: syntax error at or near "${tokens[position]?.text}"`);
  return predicate;
}

function parseOrderBy(text: string, columns: readonly string[]): (left: Row, right: Row) => number {
  const keys = text.split(',').map((part) => {
    const match = part.trim().match(/^(?:"((?:[^"]|"")+)"|([A-Za-z_]\w*))(?:\s+(ASC|DESC))?$/i);
    if (!match) throw new ViewerQueryError(`Parser Error: syntax error at or near "${part.trim()}"`);
    const name = (match[1] ?? match[2] ?? '').replace(/""/g, '"');
    if (!columns.includes(name)) throw new ViewerQueryError(`Binder Error: Referenced column "${name}" not found in FROM clause!`);
    return { name, sign: (match[3] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1 };
  });
  return (left, right) => {
    for (const { name, sign } of keys) {
      const a = left[name] as Value;
      const b = right[name] as Value;
      if (a === b) continue;
      if (a === null || a === undefined) return 1;
      if (b === null || b === undefined) return -1;
      return (a < b ? -1 : 1) * sign;
    }
    return 0;
  };
}

/** All rows of a split: `rows` when seeded, else the first rows. */
function splitRows(dataset: FakeViewerDataset, config: string, split: string): Row[] | undefined {
  return dataset.rows?.[`${config}/${split}`] ?? dataset.firstRows[`${config}/${split}`];
}

function features(dataset: FakeViewerDataset, config: string): { feature_idx: number; name: string; type: unknown }[] {
  return Object.entries((dataset.info[config]?.features as Record<string, unknown> | undefined) ?? {}).map(([name, type], feature_idx) => ({ feature_idx, name, type }));
}

function histogram(values: number[], integer: boolean): { hist: number[]; bin_edges: number[] } {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const bins = Math.max(1, Math.min(10, integer ? max - min + 1 : 10));
  const width = (max - min) / bins || 1;
  const hist = Array.from({ length: bins }, () => 0);
  for (const value of values) {
    const bin = Math.min(bins - 1, Math.floor((value - min) / width));
    hist[bin] = (hist[bin] ?? 0) + 1;
  }
  const round = (value: number) => (integer ? Math.round(value) : Math.round(value * 1e5) / 1e5);
  return { hist, bin_edges: [...Array.from({ length: bins }, (_, index) => round(min + index * width)), max] };
}

function numericStatistics(values: number[], missing: number, total: number, integer: boolean): Record<string, unknown> {
  const base = { nan_count: missing, nan_proportion: total ? Math.round((missing / total) * 1e5) / 1e5 : 0 };
  if (values.length === 0) return { ...base, min: null, max: null, mean: null, median: null, std: null, histogram: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const std = values.length > 1 ? Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1)) : 0;
  const round = (value: number) => Math.round(value * 1e5) / 1e5;
  return { ...base, min: sorted[0], max: sorted.at(-1), mean: round(mean), median: round(median), std: round(std), histogram: histogram(values, integer) };
}

function frequencies(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((left, right) => right[1] - left[1]));
}

/** `/statistics` computed from the rows the way the viewer types columns. */
function computeStatistics(dataset: FakeViewerDataset, config: string, rows: Row[]): unknown[] {
  const total = rows.length;
  return features(dataset, config).flatMap(({ name, type }) => {
    const cells = rows.map((row) => row[name]);
    const present = cells.filter((cell) => cell !== null && cell !== undefined);
    const missing = total - present.length;
    const feature = (type ?? {}) as Record<string, unknown>;
    const proportion = (count: number) => (total ? Math.round((count / total) * 1e5) / 1e5 : 0);
    if (feature._type === 'ClassLabel') {
      const names = (feature.names as string[] | undefined) ?? [];
      return [{ column_name: name, column_type: 'class_label', column_statistics: { nan_count: missing, nan_proportion: proportion(missing), no_label_count: 0, no_label_proportion: 0, n_unique: new Set(present).size, frequencies: frequencies(present.map((cell) => names[Number(cell)] ?? String(cell))) } }];
    }
    if (Array.isArray(type) || feature._type === 'Sequence' || feature._type === 'List') {
      return [{ column_name: name, column_type: 'list', column_statistics: numericStatistics(present.map((cell) => (Array.isArray(cell) ? cell.length : 0)), missing, total, true) }];
    }
    const dtype = String(feature.dtype ?? '');
    if (dtype === 'bool') return [{ column_name: name, column_type: 'bool', column_statistics: { nan_count: missing, nan_proportion: proportion(missing), frequencies: frequencies(present.map((cell) => (cell ? 'True' : 'False'))) } }];
    if (/^u?int/.test(dtype) || /^float/.test(dtype)) {
      const integer = dtype.includes('int');
      return [{ column_name: name, column_type: integer ? 'int' : 'float', column_statistics: numericStatistics(present.map(Number), missing, total, integer) }];
    }
    if (dtype === 'string' || dtype === 'large_string') {
      const unique = new Set(present.map(String)).size;
      if (unique <= 30 && unique <= Math.max(1, present.length / 2)) {
        return [{ column_name: name, column_type: 'string_label', column_statistics: { nan_count: missing, nan_proportion: proportion(missing), no_label_count: 0, no_label_proportion: 0, n_unique: unique, frequencies: frequencies(present.map(String)) } }];
      }
      return [{ column_name: name, column_type: 'string_text', column_statistics: numericStatistics(present.map((cell) => String(cell).length), missing, total, true) }];
    }
    return [];
  });
}

/** `/rows`, `/search`, `/filter` and `/statistics` of the dataset viewer over the seeded rows. */
export function viewerQueryRoutes(state: FakeContentState, viewerDataset: (context: RouteContext, state: FakeContentState) => FakeViewerDataset | undefined): FakeRoute[] {
  const route = (pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method: 'GET', pattern: new RegExp(`^/datasets-server/${pattern}$`), handle });
  /** The split's rows, or an answer like the viewer's for a missing parameter or split. */
  const target = (context: RouteContext, capability?: 'search' | 'filter' | 'statistics') => {
    for (const name of ['dataset', 'config', 'split']) {
      if (!context.query.get(name)) {
        sendError(context.response, 422, `Parameter '${name}' is required`, 'MissingRequiredParameter');
        return undefined;
      }
    }
    const dataset = viewerDataset(context, state);
    if (!dataset) return undefined;
    const config = context.query.get('config') as string;
    const rows = splitRows(dataset, config, context.query.get('split') as string);
    if (!rows || (capability && !dataset.isValid[capability])) {
      sendError(context.response, 404, 'Not found.', 'ResponseNotFound');
      return undefined;
    }
    return { dataset, config, rows };
  };
  const page = (context: RouteContext, dataset: FakeViewerDataset, config: string, rows: Row[]) => {
    const offset = Number(context.query.get('offset') ?? 0);
    const length = Number(context.query.get('length') ?? 100);
    if (!Number.isInteger(offset) || offset < 0) return sendError(context.response, 422, "Parameter 'offset' must be positive", 'InvalidParameter');
    if (!Number.isInteger(length) || length < 0 || length > 100) return sendError(context.response, 422, "Parameter 'length' must be between 0 and 100", 'InvalidParameter');
    sendJson(context.response, 200, {
      features: features(dataset, config),
      rows: rows.slice(offset, offset + length).map(({ row, row_idx }) => ({ row_idx, row, truncated_cells: [] })),
      num_rows_total: rows.length,
      num_rows_per_page: 100,
      partial: false,
    });
  };
  const indexed = (rows: Row[]) => rows.map((row, row_idx) => ({ row, row_idx }));
  return [
    route('rows', (context) => {
      const found = target(context);
      if (found) page(context, found.dataset, found.config, indexed(found.rows));
    }),
    route('search', (context) => {
      const query = context.query.get('query');
      if (!query) return sendError(context.response, 422, "Parameter 'query' is required", 'MissingRequiredParameter');
      const found = target(context, 'search');
      if (!found) return;
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      const text = (row: Row) => Object.values(row).map((cell) => (typeof cell === 'string' ? cell : JSON.stringify(cell))).join(' ').toLowerCase();
      page(context, found.dataset, found.config, indexed(found.rows).filter(({ row }) => words.every((word) => text(row).includes(word))));
    }),
    route('filter', (context) => {
      const where = context.query.get('where') ?? '';
      const orderby = context.query.get('orderby') ?? '';
      if (!where && !orderby) return sendError(context.response, 422, "Parameter 'where' or 'orderby' is required", 'MissingRequiredParameter');
      if (FORBIDDEN.test(where) || FORBIDDEN.test(orderby)) return sendError(context.response, 422, "Parameters 'where' and 'orderby' contain invalid symbols", 'InvalidParameter');
      const found = target(context, 'filter');
      if (!found) return;
      const columns = features(found.dataset, found.config).map((feature) => feature.name);
      try {
        let rows = indexed(found.rows);
        if (where) {
          const predicate = parseWhere(where, columns);
          rows = rows.filter(({ row }) => predicate(row));
        }
        if (orderby) {
          const order = parseOrderBy(orderby, columns);
          rows = [...rows].sort((left, right) => order(left.row, right.row));
        }
        page(context, found.dataset, found.config, rows);
      } catch (error) {
        if (!(error instanceof ViewerQueryError)) throw error;
        sendError(context.response, 400, error.message, 'FilterQueryError');
      }
    }),
    route('statistics', (context) => {
      const found = target(context, 'statistics');
      if (!found) return;
      const key = `${found.config}/${context.query.get('split')}`;
      sendJson(context.response, 200, { num_examples: found.rows.length, statistics: found.dataset.statistics?.[key] ?? computeStatistics(found.dataset, found.config, found.rows), partial: false });
    }),
  ];
}
