import { type DocumentNode, type GraphQLError, type GraphQLSchema, TypeInfo, getNamedType, visit, visitWithTypeInfo } from 'graphql';

/** One error as GitHub's GraphQL API writes it (HTTP 200, `{ "errors": [...] }`, no `data`). */
export type GitHubGraphqlError = Record<string, unknown>;

function locationsOf(error: GraphQLError): { locations?: { line: number; column: number }[] } {
  return error.locations ? { locations: error.locations.map(({ line, column }) => ({ line, column })) } : {};
}

/** A document that does not parse: `Parse error on "}" (RCURLY) at [2, 5]`. */
export function githubParseError(error: GraphQLError): GitHubGraphqlError {
  const location = error.locations?.[0];
  const detail = error.message.replace(/^Syntax Error: /, '');
  return { message: `Parse error on ${detail}${location ? ` at [${location.line}, ${location.column}]` : ''}`, ...locationsOf(error) };
}

/**
 * Every field the schema does not have, as GitHub reports it: `Field 'x' doesn't exist on type 'Y'`
 * with the `undefinedField` code and the path from the operation (`["query Name", "repository", "x"]`).
 */
export function githubUndefinedFieldErrors(schema: GraphQLSchema, document: DocumentNode): GitHubGraphqlError[] {
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const errors: GitHubGraphqlError[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: {
        enter(node) {
          path.push(node.name ? `${node.operation} ${node.name.value}` : node.operation);
        },
        leave() {
          path.pop();
        },
      },
      FragmentDefinition: {
        enter(node) {
          path.push(`fragment ${node.name.value}`);
        },
        leave() {
          path.pop();
        },
      },
      InlineFragment: {
        enter(node) {
          path.push(node.typeCondition ? `... on ${node.typeCondition.name.value}` : '...');
        },
        leave() {
          path.pop();
        },
      },
      Field: {
        enter(node) {
          path.push(node.alias?.value ?? node.name.value);
          const parent = typeInfo.getParentType();
          if (parent && !typeInfo.getFieldDef() && node.name.value !== '__typename') {
            const typeName = getNamedType(parent).name;
            const location = node.loc?.startToken;
            errors.push({
              path: [...path],
              extensions: { code: 'undefinedField', typeName, fieldName: node.name.value },
              ...(location ? { locations: [{ line: location.line, column: location.column }] } : {}),
              message: `Field '${node.name.value}' doesn't exist on type '${typeName}'`,
            });
            // Nothing below an unknown field can be checked.
            path.pop();
            return false;
          }
          return undefined;
        },
        leave() {
          path.pop();
        },
      },
    }),
  );
  return errors;
}

const REWRITES: [RegExp, (match: RegExpExecArray) => { message: string; code: string }][] = [
  [/^Unknown argument "(\w+)" on field "\w+\.(\w+)"\./, (m) => ({ message: `Field '${m[2]}' doesn't accept argument '${m[1]}'`, code: 'argumentNotAccepted' })],
  [/^Field "(\w+)" argument "(\w+)" of type "[^"]+" is required, but it was not provided\./, (m) => ({ message: `Field '${m[1]}' is missing required arguments: ${m[2]}`, code: 'missingRequiredArguments' })],
  [/^Variable "\$(\w+)" is never used(?: in operation "(\w+)")?\./, (m) => ({ message: `Variable $${m[1]} is declared by ${m[2] ?? 'anonymous query'} but not used`, code: 'variableNotUsed' })],
  [/^Variable "\$(\w+)" is not defined(?: by operation "(\w+)")?\./, (m) => ({ message: `Variable $${m[1]} is used by ${m[2] ?? 'anonymous query'} but not declared`, code: 'variableNotDefined' })],
  [/^Variable "\$(\w+)" of type "([^"]+)" used in position expecting type "([^"]+)"\./, (m) => ({ message: `Type mismatch on variable $${m[1]} and argument (${m[2]} / ${m[3]})`, code: 'variableMismatch' })],
  [/^Field "(\w+)" of type "([^"]+)" must have a selection of subfields\./, (m) => ({ message: `Field must have selections (field '${m[1]}' returns ${m[2]} but has no selections. Did you mean '${m[1]} { ... }'?)`, code: 'selectionMismatch' })],
  [/^Field "(\w+)" must not have a selection since type "([^"]+)" has no subfields\./, (m) => ({ message: `Selections can't be made on scalars (field '${m[1]}' returns ${m[2]} but has selections)`, code: 'selectionMismatch' })],
  [/^Unknown type "(\w+)"\./, (m) => ({ message: `No such type ${m[1]}, so it can't be a fragment condition`, code: 'undefinedType' })],
  [/^Value "([^"]+)" does not exist in "(\w+)" enum\./, (m) => ({ message: `Argument value "${m[1]}" is not a valid ${m[2]}`, code: 'argumentLiteralsIncompatible' })],
];

/** Any other validation failure, in GitHub's wording where it has its own (`argumentNotAccepted`, `missingRequiredArguments`, …). */
export function githubValidationError(error: GraphQLError): GitHubGraphqlError {
  for (const [pattern, rewrite] of REWRITES) {
    const match = pattern.exec(error.message);
    if (match) {
      const { message, code } = rewrite(match);
      return { extensions: { code }, ...locationsOf(error), message };
    }
  }
  return { ...locationsOf(error), message: error.message };
}
