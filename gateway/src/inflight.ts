// One subgraph fetch shared by identical queries in flight. Dashboards that
// many clients poll at once ask the same subgraph the same thing within the
// same milliseconds; each such query joins the fetch already under way
// instead of starting another. Only queries are shared, never mutations, and
// only between callers with the same authorization. A mutation through this
// gateway ends every sharing that began before it, so a client never reads,
// through a shared fetch, data older than its own write.

import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { FORWARDED_AUTHORIZATION } from '@supply/service-kit/auth';
import { ReadResponse } from './fetcher.ts';

interface Answer {
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/**
 * The subgraph request body as @apollo/gateway writes it: `query` first, and
 * the operation text of a query starting with `query` or `{`. Anything else
 * (a mutation, a subscription, another layout) is fetched on its own.
 */
const QUERY_BODY = /^\{"query":"(?:query\b|\{)/;

export class InflightQueries {
  private readonly inflight = new Map<string, Promise<Answer>>();

  /** Wraps a fetcher so identical queries in flight share one fetch. */
  share(fetcher: Fetcher): Fetcher {
    return async (url, init) => {
      const body = typeof init?.body === 'string' ? init.body : undefined;
      if (body === undefined || !QUERY_BODY.test(body)) {
        // Whatever this writes, later queries must not join fetches begun before it.
        this.inflight.clear();
        try {
          return await fetcher(url, init);
        } finally {
          this.inflight.clear();
        }
      }
      const key = `${url}\n${authorization(init)}\n${body}`;
      // Each caller parses its own copy: the gateway merges into what it is given.
      return toResponse(await (this.inflight.get(key) ?? this.fetchShared(key, fetcher(url, init))));
    };
  }

  private fetchShared(key: string, response: Promise<FetcherResponse>): Promise<Answer> {
    const answer = response.then(readAnswer);
    this.inflight.set(key, answer);
    const forget = () => {
      if (this.inflight.get(key) === answer) this.inflight.delete(key);
    };
    answer.then(forget, forget);
    return answer;
  }

  /** Fetches under way now (for tests and diagnostics). */
  get size(): number {
    return this.inflight.size;
  }
}

/** Who asks: the gateway's key and the caller's (@apollo/gateway hands headers over with lower-case names). */
function authorization(init: FetcherRequestInit | undefined): string {
  return `${init?.headers?.authorization ?? ''}\n${init?.headers?.[FORWARDED_AUTHORIZATION] ?? ''}`;
}

async function readAnswer(response: FetcherResponse): Promise<Answer> {
  const body = await response.text();
  const { url, status, statusText } = response;
  return { url, status, statusText, headers: [...response.headers], body };
}

function toResponse(answer: Answer): FetcherResponse {
  return new ReadResponse(answer.url, answer.status, answer.statusText, answer.headers, answer.body);
}
