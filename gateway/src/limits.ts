// What one operation may ask of the graph, checked before any subgraph is
// called. Each number is set from two real operations, the dashboard
// (gateway/test/operations.ts) and Apollo Sandbox's introspection query,
// measured in gateway/test/limits.test.ts. Refusals are HTTP 400 with a
// message naming the limit and its value.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { off, rejecting } from '@supply/service-kit/limits';
import type { ValidationRule } from 'graphql';

export const LIMITS = {
  /** Characters of the document: an introspection query has 1,124 to 2,075, the dashboard 524. */
  documentLength: 32_768,
  /** Lexical tokens: Sandbox's introspection query has 167 (graphql-js's largest 184), the dashboard 76. */
  tokens: 2_000,
  /**
   * Field nesting: the dashboard reaches 9 (each item's stock per warehouse, with the warehouse's code). Introspection
   * is not counted here; graphql-js's own MaxIntrospectionDepthRule bounds it (Apollo always runs it).
   */
  depth: 10,
  /** The dashboard and introspection use none; a few let a client compare lists side by side. */
  aliases: 15,
  /** Neither uses any; @include and @skip on a handful of fields stay well inside. */
  directives: 20,
  /**
   * graphql-armor's cost with page sizes applied (cost.ts): the dashboard, with each
   * item's stock per warehouse, costs 1,519 at first: 5, 15,188 at 50 and 30,377 at 100,
   * the largest page a subgraph serves.
   */
  cost: 40_000,
} as const;

/** armor's cost rule alone; cost.ts runs it once the page sizes are known. */
export function costRule(): ValidationRule {
  const config: ConstructorParameters<typeof ApolloArmor>[0] = {
    blockFieldSuggestion: off,
    maxTokens: off,
    maxDepth: off,
    maxAliases: off,
    maxDirectives: off,
    costLimit: { maxCost: LIMITS.cost, ignoreIntrospection: true, ...rejecting },
  };
  const [rule] = new ApolloArmor(config).protect().validationRules;
  if (!rule) throw new Error('graphql-armor gave no cost rule');
  return rule;
}
