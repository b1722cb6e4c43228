// ESLint lints the public graph only (Biome lints the code): every type,
// field, argument and enum value of docs/schema.graphql, the API schema the
// gateway serves, says what it is. Descriptions are written in each
// subgraph's schema.graphql; `npm run compose-supergraph` carries them here.
import graphqlPlugin from '@graphql-eslint/eslint-plugin';

const PUBLIC_GRAPH = 'docs/schema.graphql';

export default [
  {
    files: [PUBLIC_GRAPH],
    languageOptions: {
      parser: graphqlPlugin.parser,
      parserOptions: { graphQLConfig: { schema: PUBLIC_GRAPH } },
    },
    plugins: { '@graphql-eslint': graphqlPlugin },
    rules: {
      '@graphql-eslint/require-description': [
        'error',
        {
          types: true,
          rootField: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
        },
      ],
    },
  },
];
