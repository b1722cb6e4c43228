// A list read a page at a time, forward and back, refreshed on its own.
import type { TypedDocumentNode } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import type { Page, PageVariables } from './queries.ts';

export const REFRESH_MS = 30_000;

export function usePagedQuery<Data, Row, Extra extends Record<string, unknown>>(
  query: TypedDocumentNode<Data, PageVariables & Extra>,
  options: { variables: Extra; first: number; list: (data: Data) => Page<Row> | null },
) {
  // The cursors of the pages before this one: the last is this page's `after`.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const { data, loading, error, refetch } = useQuery(query, {
    variables: {
      ...options.variables,
      first: options.first,
      after: cursors.at(-1) ?? null,
    } as PageVariables & Extra,
    pollInterval: REFRESH_MS,
  });
  // A root list is null when its service did not answer; the error says why.
  const page = data ? (options.list(data) ?? undefined) : undefined;
  const endCursor = page?.pageInfo.endCursor;
  return {
    rows: page?.edges.map((edge) => edge.node) ?? [],
    /** For QueryState: loading only until the first answer, then the last answer stays while polling. */
    state: { loading: loading && !data, error, retry: refetch },
    pager: {
      page: cursors.length,
      hasNextPage: page?.pageInfo.hasNextPage ?? false,
      next: () => endCursor && setCursors([...cursors, endCursor]),
      previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    },
  };
}
