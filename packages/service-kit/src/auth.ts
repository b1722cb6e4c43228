// Who may do what. With API_KEYS set, every route but the health checks needs
// `Authorization: Bearer <key>`; the key's role must reach the role a route
// asks for (reader < writer < admin). Without API_KEYS everything is open.
import type { Request, RequestHandler } from 'express';
import type { Config, Role } from './config.ts';
import { currentContext } from './context.ts';
import { Forbidden, Unauthenticated } from './errors.ts';

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

/** The role a request needs before it reaches a route; 'public' needs no key. */
export type AccessPolicy = (req: Request) => Role | 'public';

/**
 * Reads need a reader, everything else a writer. GraphQL needs a reader at
 * the door; each mutation resolver asks for more with requireRole.
 */
export const defaultPolicy: AccessPolicy = (req) =>
  req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.path === '/graphql'
    ? 'reader'
    : 'writer';

export function authenticate(config: Config, policy: AccessPolicy = defaultPolicy): RequestHandler {
  const keys = config.apiKeys;
  if (!keys) return (_req, _res, next) => next();
  return (req, _res, next) => {
    const needed = policy(req);
    if (needed === 'public') return next();
    const role = roleOf(req.headers.authorization, config);
    if (!role) return next(new Unauthenticated('A valid API key is required: Authorization: Bearer <key>'));
    const context = currentContext();
    if (context) context.caller.role = role;
    if (RANK[role] < RANK[needed]) {
      return next(new Forbidden(`The ${role} role may not ${req.method} ${req.path}`));
    }
    next();
  };
}

function roleOf(header: string | undefined, config: Config): Role | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  if (config.serviceApiKey && match[1] === config.serviceApiKey) return 'admin';
  return config.apiKeys?.get(match[1]);
}

/** Inside a request: throws unless the caller's role reaches `needed` (open mode allows all). */
export function requireRole(needed: Role): void {
  const role = currentContext()?.caller.role;
  if (role === null || role === undefined) return;
  if (RANK[role] < RANK[needed]) throw new Forbidden(`The ${role} role may not do this; it needs ${needed}`);
}
