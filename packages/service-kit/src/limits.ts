// What one GraphQL operation may ask, for the gateway and every subgraph: the
// parser's length and token bounds and graphql-armor's depth, alias and
// directive rules. Refusals are HTTP 400 naming the limit and its value.
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type ArgumentNode,
  GraphQLError,
  Kind,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';

export interface OperationLimits {
  documentLength: number;
  tokens: number;
  depth: number;
  aliases: number;
  directives: number;
}

/**
 * A subgraph's own limits, for whatever reaches it past the gateway. The
 * gateway sends each subgraph a part of an operation it has already held to
 * its own limits (gateway/src/limits.ts), plus `_entities` and `__typename`:
 * twice the gateway's token, alias and directive allowance and two more levels
 * leave every plan it writes room, and stop what the gateway would never send.
 * (The widest operation the gateway admits, in gateway/test/side-doors.test.ts,
 * sends the orders subgraph 700 to 800 tokens: the planner reuses fragments.)
 */
export const SUBGRAPH_LIMITS = {
  documentLength: 65_536,
  tokens: 4_000,
  depth: 12,
  aliases: 30,
  directives: 40,
  /**
   * Representations in one `_entities` fetch: one per distinct entity a plan's
   * step needs, so the gateway's cost limit (25,000, every object costing at
   * least one) bounds what it may send.
   */
  representations: 5_000,
  /**
   * Database statements one query (not a mutation) may send (each Prisma operation and
   * prepared read counts one). DataLoader batches keep the gateway's fetches to
   * a handful; this stops what the alias and depth limits let through.
   */
  statements: 200,
} as const;

/**
 * DataLoader options: at most 500 keys (five of the largest page a subgraph
 * serves) in one statement, however many references a request carries.
 */
export const batched = { maxBatchSize: 500 } as const;

// graphql-js counts these while it parses, inside Apollo's parse step, so a
// refusal is a 400 GRAPHQL_PARSE_FAILED. (armor's own token plugin throws from a
// hook outside that step, which Apollo answers with a 500.)
export const parseLimits = (limits: OperationLimits): ParseOptions => ({
  maxSourceLength: limits.documentLength,
  maxLexicalTokens: limits.tokens,
});

// armor prefixes "Syntax Error: " to validation findings; these are not syntax errors.
const refuse = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
export const rejecting = { propagateOnRejection: false, onReject: [refuse] };
export const off = { enabled: false };

export interface Protection {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
}

/** Depth, aliases and directives as validation rules (400 GRAPHQL_VALIDATION_FAILED). */
export function armorProtection(
  limits: OperationLimits,
  { suggestions }: { suggestions: boolean },
): Protection {
  const { plugins, validationRules } = new ApolloArmor({
    // "Did you mean …?" would give away the schema that introspection hides.
    blockFieldSuggestion: { enabled: !suggestions },
    maxTokens: off,
    costLimit: off,
    maxDepth: { n: limits.depth, ignoreIntrospection: true, ...rejecting },
    maxAliases: { n: limits.aliases, ...rejecting },
    maxDirectives: { n: limits.directives, ...rejecting },
  }).protect();
  // armor declares its plugins against its own copy of Apollo's types.
  return { plugins: plugins as unknown as ApolloServerPlugin[], validationRules };
}

/** Refuses an operation whose `_entities` fields carry more than `max` representations in all. */
export function entitiesLimitPlugin(max: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) return;
          let count = 0;
          const countOf = (argument: ArgumentNode | undefined) => {
            const value = argument?.value;
            if (value?.kind === Kind.LIST) return value.values.length;
            if (value?.kind !== Kind.VARIABLE) return 0;
            const given = request.variables?.[value.name.value];
            return Array.isArray(given) ? given.length : 0;
          };
          visit(operation, {
            Field(node) {
              if (node.name.value !== '_entities') return;
              count += countOf(node.arguments?.find((argument) => argument.name.value === 'representations'));
            },
          });
          if (count > max) {
            throw new GraphQLError(`Entities limit of ${max} representations exceeded, found ${count}.`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
