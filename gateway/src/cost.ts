// graphql-armor's cost rule multiplies a list's cost by its `first` only when
// `first` is written in the document: `orders(first: $first)` would cost one
// row, and a page left to its default too. This plugin runs the rule on a copy
// of the operation with every page size filled in from the variables or the
// schema's default, after validation and before any subgraph is called.
import type { ApolloServerPlugin } from '@apollo/server';
import { MAX_LIMIT } from '@supply/service-kit/pagination';
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  GraphQLInt,
  type GraphQLSchema,
  Kind,
  TypeInfo,
  type ValidationRule,
  validate,
  valueFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
} from 'graphql';

const PAGE_ARGUMENTS = ['first', 'last'];

/** The document with each list field's page size written in as a number. */
export function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const definitions = typeInfo.getFieldDef()?.args ?? [];
        const pageArgs = definitions.filter((arg) => PAGE_ARGUMENTS.includes(arg.name));
        if (pageArgs.length === 0) return undefined;
        const others = (node.arguments ?? []).filter((arg) => !PAGE_ARGUMENTS.includes(arg.name.value));
        const sized = pageArgs.map((definition): ArgumentNode => {
          const given = node.arguments?.find((arg) => arg.name.value === definition.name);
          const value = given && valueFromAST(given.value, GraphQLInt, variables);
          const asked = typeof value === 'number' ? value : definition.defaultValue;
          // No subgraph serves more than MAX_LIMIT; a larger ask is its BAD_USER_INPUT to explain.
          const size = typeof asked === 'number' ? Math.min(Math.max(asked, 1), MAX_LIMIT) : 1;
          return {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: definition.name },
            value: { kind: Kind.INT, value: String(size) },
          };
        });
        return { ...node, arguments: [...others, ...sized] };
      },
    }),
  );
}

export function costLimitPlugin(rule: ValidationRule): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Only the operation that runs counts, with its variables' defaults where none were sent.
          const defaults = (operation?.variableDefinitions ?? []).flatMap((definition) =>
            definition.defaultValue
              ? [[definition.variable.name.value, valueFromASTUntyped(definition.defaultValue)]]
              : [],
          );
          const variables = { ...Object.fromEntries(defaults), ...request.variables };
          const chosen = document.definitions.filter(
            (definition) => definition.kind !== Kind.OPERATION_DEFINITION || definition === operation,
          );
          const sized = withPageSizes(schema, { ...document, definitions: chosen }, variables);
          const [error] = validate(schema, sized, [rule]);
          if (error) {
            throw new GraphQLError(error.message, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
