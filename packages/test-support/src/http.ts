// An HTTP client for tests: never throws on a status, so tests assert on it.
import axios, { type AxiosInstance } from 'axios';

export function httpClient(baseURL: string, headers: Record<string, string> = {}): AxiosInstance {
  return axios.create({ baseURL, validateStatus: () => true, headers, timeout: 30_000 });
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
