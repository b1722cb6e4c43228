// graphql-armor's cost rule multiplies a list's cost by its `first` only when
// `first` is written in the document: `orders(first: $first)` would cost one
// row, and a page left to its default too. This plugin runs the rule on a copy
// of the operation with every page size filled in from the variables or the
// schema's default, after validation and before any subgraph is called.
// The verdict depends only on the operation and its page sizes, so it is kept
// per operation and sizes: a dashboard's pages, each with other variables but
// the same sizes, are judged once.
import type { ApolloServerPlugin } from '@apollo/server';
import { MAX_LIMIT } from '@supply/service-kit/pagination';
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLArgument,
  GraphQLError,
  GraphQLInt,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  type ValidationRule,
  validate,
  valueFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
} from 'graphql';

const PAGE_ARGUMENTS = ['first', 'last'];
/** Verdicts kept per operation; past this many page-size combinations they start afresh. */
const VERDICTS_PER_OPERATION = 1_000;

/** The page size a list field asks for: the argument given, else the schema's default, within 1..MAX_LIMIT. */
function pageSize(
  definition: GraphQLArgument,
  given: ArgumentNode | undefined,
  variables: Record<string, unknown>,
): number {
  const value = given && valueFromAST(given.value, GraphQLInt, variables);
  const asked = typeof value === 'number' ? value : definition.defaultValue;
  // No subgraph serves more than MAX_LIMIT; a larger ask is its BAD_USER_INPUT to explain.
  return typeof asked === 'number' ? Math.min(Math.max(asked, 1), MAX_LIMIT) : 1;
}

/** The document with each list field's page size written in as a number. */
export function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  /** Told of each page argument in document order: its definition and the argument written, if any. */
  onSize?: (definition: GraphQLArgument, given: ArgumentNode | undefined) => void,
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
          const size = pageSize(definition, given, variables);
          onSize?.(definition, given);
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

interface Judged {
  /** Each page argument of the operation, in document order. */
  slots: Array<{ definition: GraphQLArgument; given: ArgumentNode | undefined }>;
  /** The rule's first error message (or none) by page sizes. */
  verdicts: Map<string, string | null>;
}

export function costLimitPlugin(rule: ValidationRule): ApolloServerPlugin {
  // Apollo Server parses a query text once and hands every request its cached document.
  const judged = new WeakMap<OperationDefinitionNode, Judged>();
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
          const known = operation && judged.get(operation);
          const key = known?.slots.map((slot) => pageSize(slot.definition, slot.given, variables)).join(',');
          let verdict = key === undefined ? undefined : known?.verdicts.get(key);
          if (verdict === undefined) {
            const chosen = document.definitions.filter(
              (definition) => definition.kind !== Kind.OPERATION_DEFINITION || definition === operation,
            );
            const slots: Judged['slots'] = [];
            const sized = withPageSizes(schema, { ...document, definitions: chosen }, variables, (d, g) =>
              slots.push({ definition: d, given: g }),
            );
            verdict = validate(schema, sized, [rule])[0]?.message ?? null;
            if (operation) remember(judged, operation, slots, variables, verdict);
          }
          if (verdict !== null) {
            throw new GraphQLError(verdict, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

function remember(
  judged: WeakMap<OperationDefinitionNode, Judged>,
  operation: OperationDefinitionNode,
  slots: Judged['slots'],
  variables: Record<string, unknown>,
  verdict: string | null,
): void {
  const entry = judged.get(operation) ?? { slots, verdicts: new Map() };
  judged.set(operation, entry);
  if (entry.verdicts.size >= VERDICTS_PER_OPERATION) entry.verdicts.clear();
  const key = slots.map((slot) => pageSize(slot.definition, slot.given, variables)).join(',');
  entry.verdicts.set(key, verdict);
}
