// What the runner, the build and the tests add to the kit's table of
// processes (processes.ts): local logins and entry files.
import type { Login } from '@supply/service-kit/migrate';
import { GATEWAY, SERVICES } from '@supply/service-kit/processes';

export { SERVICES };

/** Each process's database role: the four services', and the gateway's (rate limits only). */
const ROLES: Record<string, string> = Object.fromEntries(
  [...SERVICES, GATEWAY].map((process) => [process.name, process.role]),
);

/**
 * The roles' logins on the embedded database and the tests' (never production:
 * docs/deploy.md has each role given a password of its own).
 */
export const LOCAL_LOGINS: Login[] = Object.values(ROLES).map((role) => ({
  role,
  password: `${role}-local`,
}));

/** The local login of the process called `name`, if it has a role. */
export const localLoginOf = (name: string): Login | undefined =>
  LOCAL_LOGINS.find((login) => login.role === ROLES[name]);

/** A service's entry file, relative to the repository root. */
export const entryOf = (name: string) => `subgraphs/${name}/src/main.ts`;
