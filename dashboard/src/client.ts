// One Apollo Client for the page: the graph on this origin (or VITE_GRAPHQL_URL
// when the page is served elsewhere), with the stored key on every operation,
// and word to the page whenever the graph refuses the key.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { storedKey } from './key.ts';

// Under `vite` (dev) the page is on its own origin and calls npm start's gateway.
export const GRAPHQL_URL: string =
  import.meta.env.VITE_GRAPHQL_URL ??
  (import.meta.env.DEV ? 'http://localhost:8080/graphql' : `${window.location.origin}/graphql`);

/** The graph answered 401 (no valid key) or 403 (the key may not read). */
export type AccessProblem = 'unauthenticated' | 'forbidden';

export function accessProblem(error: unknown): AccessProblem | undefined {
  if (ServerError.is(error)) {
    if (error.statusCode === 401) return 'unauthenticated';
    if (error.statusCode === 403) return 'forbidden';
  }
  if (CombinedGraphQLErrors.is(error)) {
    const codes = error.errors.map((e) => e.extensions?.code);
    if (codes.includes('UNAUTHENTICATED')) return 'unauthenticated';
    if (codes.includes('FORBIDDEN')) return 'forbidden';
  }
  return undefined;
}

export function createClient(onAccessProblem: (problem: AccessProblem) => void): ApolloClient {
  const auth = new SetContextLink(({ headers }) => {
    const key = storedKey();
    return { headers: { ...headers, ...(key && { authorization: `Bearer ${key}` }) } };
  });
  const refused = new ErrorLink(({ error }) => {
    const problem = accessProblem(error);
    if (problem) onAccessProblem(problem);
  });
  return new ApolloClient({
    link: ApolloLink.from([refused, auth, new HttpLink({ uri: GRAPHQL_URL })]),
    cache: new InMemoryCache(),
    clientAwareness: { name: 'operations-dashboard', version: '1' },
  });
}
