// The numbers behind LIMITS: the dashboard and Apollo Sandbox's introspection
// query measured with the same counters the gateway applies (graphql-js's
// parser, graphql-armor's rules, page sizes filled in as cost.ts does).

import { readFileSync } from 'node:fs';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { describe, expect, it } from '@jest/globals';
import { buildSchema, type GraphQLError, getIntrospectionQuery, validate } from 'graphql';
import { Parser } from 'graphql/language/parser.js';
import { withPageSizes } from '../src/cost.ts';
import { LIMITS } from '../src/limits.ts';
import { DASHBOARD, SANDBOX_INTROSPECTION } from './operations.ts';

const schema = buildSchema(readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8'));

/** Length, tokens, depth, aliases, directives and cost of `query`, as the gateway counts them. */
function measure(query: string, variables: Record<string, unknown> = {}) {
  const parser = new Parser(query);
  const document = parser.parseDocument();
  const seen: Record<string, number> = {};
  const record = (name: string) => ({
    onAccept: [
      (_: unknown, { n }: { n: number }) => {
        seen[name] = n;
      },
    ],
    onReject: [
      (_: unknown, error: GraphQLError) => {
        seen[name] = Number(/found ([\d.]+)/.exec(error.message)?.[1]);
      },
    ],
    propagateOnRejection: false,
  });
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: { n: LIMITS.depth, ignoreIntrospection: true, ...record('depth') },
    maxAliases: { n: LIMITS.aliases, ...record('aliases') },
    maxDirectives: { n: LIMITS.directives, ...record('directives') },
    costLimit: { maxCost: LIMITS.cost, ignoreIntrospection: true, ...record('cost') },
  }).protect();
  validate(schema, withPageSizes(schema, document, variables), validationRules);
  return { length: query.length, tokens: parser.tokenCount, ...seen } as Record<
    'length' | 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost',
    number
  >;
}

describe('the limits, measured against real operations', () => {
  it('leave room for the dashboard at every page size a subgraph serves', () => {
    const at = (first: number) => measure(DASHBOARD, { first });
    expect(at(5)).toEqual({
      length: 524,
      tokens: 76,
      depth: 9,
      aliases: 0,
      directives: 0,
      cost: 1518.84765625,
    });
    expect(at(50).cost).toBe(15188.4765625);
    expect(at(100).cost).toBe(30376.953125);
    // Asking for more than a subgraph serves is costed as its largest page; the subgraph says why it refuses.
    expect(at(1_000).cost).toBe(30376.953125);
    expect(at(100).cost).toBeLessThan(LIMITS.cost);
    expect(at(100).depth).toBeLessThan(LIMITS.depth);
  });

  it("leave room for Apollo Sandbox's introspection query, which depth and cost do not count", () => {
    const sandbox = measure(SANDBOX_INTROSPECTION);
    expect(sandbox).toEqual({ length: 1124, tokens: 167, depth: 0, aliases: 0, directives: 0, cost: 0 });
    // graphql-js's own query with every option is the largest an introspecting client sends.
    const largest = measure(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    );
    expect(largest).toMatchObject({ length: 2075, tokens: 184, depth: 0, cost: 0 });
    for (const query of [sandbox, largest]) {
      expect(query.length * 10).toBeLessThan(LIMITS.documentLength);
      expect(query.tokens * 10).toBeLessThan(LIMITS.tokens);
    }
  });
});
