// Who may do what. With API_KEYS set, every route but the health checks needs
// `Authorization: Bearer <key>`; the key's role must reach the role a route
// asks for (reader < writer < admin). SERVICE_API_KEY is the credential the
// gateway and the services call each other with: it alone opens a subgraph's
// /graphql, and it acts as admin. Without API_KEYS everything is open.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Config, Role } from './config.ts';
import { currentContext } from './context.ts';
import { Forbidden, Unauthenticated } from './errors.ts';

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

/**
 * The gateway's caller, sent on its subgraph calls beside its own service key:
 * mutations are then judged by the caller's role, not the gateway's.
 */
export const FORWARDED_AUTHORIZATION = 'x-forwarded-authorization';

/**
 * The role a request needs before it reaches a route: 'public' needs no key,
 * 'service' the service key.
 */
export type Access = Role | 'public' | 'service';
export type AccessPolicy = (req: Request) => Access;

const isRead = (req: Request) => req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';

/**
 * A subgraph's /graphql is for the gateway (and services) only; its mutations
 * ask the forwarded caller's role with requireRole. Other reads need a
 * reader, everything else a writer.
 */
export const defaultPolicy: AccessPolicy = (req) =>
  req.path === '/graphql' ? 'service' : isRead(req) ? 'reader' : 'writer';

interface Identity {
  role: Role;
  service: boolean;
  /** The key's digest, hex: safe to store and log where the key is not. */
  digest: string;
}

/** Finds a presented key among the configured ones without its timing telling how much of it matched. */
function keyRing(config: Config): (header: string | undefined) => Identity | undefined {
  const digest = (key: string) => createHash('sha256').update(key).digest();
  const entry = (key: string, role: Role, service: boolean) => {
    const hash = digest(key);
    return { hash, role, service, digest: hash.toString('hex') };
  };
  const entries = [...(config.apiKeys ?? [])].map(([key, role]) => entry(key, role, false));
  // First, so it wins over a caller key equal to it (which production refuses).
  if (config.serviceApiKey) entries.unshift(entry(config.serviceApiKey, 'admin', true));
  return (header) => {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return undefined;
    const presented = digest(match[1]);
    let found: Identity | undefined;
    // Every entry is compared, so the time taken does not depend on which one matches.
    for (const entry of entries) {
      if (timingSafeEqual(entry.hash, presented) && !found) found = entry;
    }
    return found;
  };
}

export function authenticate(config: Config, policy: AccessPolicy = defaultPolicy): RequestHandler {
  if (!config.apiKeys) return (_req, _res, next) => next();
  const identify = keyRing(config);
  return (req, _res, next) => {
    const needed = policy(req);
    if (needed === 'public') return next();
    const identity = identify(req.headers.authorization);
    if (!identity)
      return next(new Unauthenticated('A valid API key is required: Authorization: Bearer <key>'));
    if (needed === 'service' && !identity.service) {
      return next(new Forbidden(`${req.path} answers the gateway and the services only`));
    }
    let caller = identity;
    const forwarded = req.headers[FORWARDED_AUTHORIZATION];
    if (identity.service && typeof forwarded === 'string') {
      const found = identify(forwarded);
      if (!found) return next(new Unauthenticated('The forwarded API key is not valid'));
      caller = found;
    }
    const { role } = caller;
    const context = currentContext();
    if (context) {
      context.caller.role = role;
      context.caller.identity = caller.digest;
      // The gateway and the services are limited where their callers came in, not again here.
      if (!identity.service) context.caller.limitKey = identity.digest;
    }
    if (needed !== 'service' && RANK[role] < RANK[needed]) {
      return next(new Forbidden(`The ${role} role may not ${req.method} ${req.path}`));
    }
    next();
  };
}

/**
 * Inside a request: throws unless the caller's role reaches `needed`. Open mode
 * identifies every caller as admin; a caller not identified at all (no request
 * context, or a route that skipped authentication) is refused.
 */
export function requireRole(needed: Role): void {
  const role = currentContext()?.caller.role;
  if (!role) throw new Unauthenticated('A valid API key is required: Authorization: Bearer <key>');
  if (RANK[role] < RANK[needed]) throw new Forbidden(`The ${role} role may not do this; it needs ${needed}`);
}
