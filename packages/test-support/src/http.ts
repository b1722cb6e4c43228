// An HTTP client for tests: never throws on a status, so tests assert on it;
// an answer its service's OpenAPI document does not allow fails the request.
import axios, { type AxiosInstance } from 'axios';
import { validateAnswer } from './openapi.ts';

export function httpClient(baseURL: string, headers: Record<string, string> = {}): AxiosInstance {
  const client = axios.create({ baseURL, validateStatus: () => true, headers, timeout: 30_000 });
  client.interceptors.response.use((response) => {
    validateAnswer(response);
    return response;
  });
  return client;
}

/** Sends a GraphQL operation and answers { status, body }. */
export async function graphql(
  baseURL: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await httpClient(baseURL, headers).post('/graphql', { query, variables });
  return { status: response.status, body: response.data as { data?: any; errors?: any } };
}

/** How every service reports a connection's `after` it did not issue: one shape, named as sent. */
export const BAD_AFTER_ERROR = {
  message: 'after is not a cursor issued by this service',
  extensions: {
    code: 'BAD_USER_INPUT',
    errors: [{ field: 'after', message: 'is not a cursor issued by this service' }],
  },
};
