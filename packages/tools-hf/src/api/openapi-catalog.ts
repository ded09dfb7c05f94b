/** One operation of the Hub OpenAPI spec, flattened for search and display. */
export interface ApiEndpoint {
  method: string;
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: ApiParameter[];
  /** Content types and a compact schema outline of the request body. */
  requestBody: string;
  /** `status: description` lines. */
  responses: string[];
}

export interface ApiParameter {
  name: string;
  in: string;
  required: boolean;
  type: string;
  description: string;
}

export interface ApiCatalog {
  endpoints: ApiEndpoint[];
  tags: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

type Json = Record<string, unknown>;

function resolveRef(spec: Json, value: unknown): Json {
  let current = value as Json | undefined;
  for (let depth = 0; depth < 5 && current && typeof current.$ref === 'string'; depth += 1) {
    const pointer = (current.$ref as string).replace(/^#\//, '').split('/');
    let target: unknown = spec;
    for (const part of pointer) target = (target as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    current = target as Json | undefined;
  }
  return current ?? {};
}

function schemaOutline(spec: Json, schema: unknown, depth = 0): string {
  const resolved = resolveRef(spec, schema);
  if (depth > 1) return String(resolved.type ?? 'object');
  if (resolved.type === 'array') return `${schemaOutline(spec, resolved.items, depth + 1)}[]`;
  const properties = resolved.properties as Json | undefined;
  if (!properties) return String(resolved.type ?? (resolved.oneOf || resolved.anyOf ? 'one of several shapes' : 'object'));
  const required = new Set((resolved.required as string[] | undefined) ?? []);
  const fields = Object.entries(properties)
    .slice(0, 12)
    .map(([name, value]) => `${name}${required.has(name) ? '' : '?'}: ${schemaOutline(spec, value, depth + 1)}`);
  return `{ ${fields.join(', ')}${Object.keys(properties).length > 12 ? ', …' : ''} }`;
}

/** Flatten an OpenAPI 3 document into searchable endpoints and the list of tags. */
export function extractApiCatalog(spec: Json): ApiCatalog {
  const endpoints: ApiEndpoint[] = [];
  const tags = new Set<string>(((spec.tags as Json[] | undefined) ?? []).map((tag) => String(tag.name ?? '')).filter(Boolean));
  for (const [path, rawItem] of Object.entries((spec.paths as Json | undefined) ?? {})) {
    const item = resolveRef(spec, rawItem);
    const shared = (item.parameters as unknown[] | undefined) ?? [];
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const parameters = [...shared, ...((operation.parameters as unknown[] | undefined) ?? [])].map((raw): ApiParameter => {
        const parameter = resolveRef(spec, raw);
        const schema = resolveRef(spec, parameter.schema);
        return {
          name: String(parameter.name ?? ''),
          in: String(parameter.in ?? 'query'),
          required: parameter.required === true,
          type: String(schema.type ?? (schema.enum ? 'enum' : 'string')),
          description: String(parameter.description ?? ''),
        };
      });
      const body = resolveRef(spec, operation.requestBody);
      const content = (body.content as Json | undefined) ?? {};
      const requestBody = Object.entries(content)
        .slice(0, 2)
        .map(([type, media]) => `${type}: ${schemaOutline(spec, (media as Json).schema)}`)
        .join('; ');
      const operationTags = ((operation.tags as string[] | undefined) ?? []).map(String);
      for (const tag of operationTags) tags.add(tag);
      endpoints.push({
        method: method.toUpperCase(),
        path,
        operationId: String(operation.operationId ?? ''),
        summary: String(operation.summary ?? ''),
        description: String(operation.description ?? ''),
        tags: operationTags,
        parameters,
        requestBody,
        responses: Object.entries((operation.responses as Json | undefined) ?? {})
          .slice(0, 4)
          .map(([status, response]) => `${status}: ${String(resolveRef(spec, response).description ?? '')}`),
      });
    }
  }
  return { endpoints, tags: [...tags].sort() };
}

/** A curl command for an endpoint against `baseUrl`; the token stays a `$HF_TOKEN` placeholder. */
export function curlExample(endpoint: ApiEndpoint, baseUrl: string): string {
  let path = endpoint.path;
  for (const parameter of endpoint.parameters.filter((one) => one.in === 'path')) {
    path = path.replace(`{${parameter.name}}`, `<${parameter.name}>`);
  }
  const query = endpoint.parameters
    .filter((one) => one.in === 'query' && one.required)
    .map((one) => `${one.name}=<${one.name}>`)
    .join('&');
  const lines = [`curl -X ${endpoint.method} "${baseUrl}${path}${query ? `?${query}` : ''}"`, '  -H "Authorization: Bearer $HF_TOKEN"'];
  if (endpoint.requestBody.startsWith('application/json')) lines.push('  -H "Content-Type: application/json"', "  -d '{…}'");
  return lines.join(' \\\n');
}
