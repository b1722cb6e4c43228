// Where webhooks may be sent. In production an endpoint must be https and its
// host must resolve only to public addresses, checked when it is registered
// and again at each connection (a name may change what it points to).
import { lookup } from 'node:dns/promises';
import { Invalid } from '@supply/service-kit/errors';
import ipaddr from 'ipaddr.js';

/** Loopback, private, link-local, multicast and every other reserved range are rejected. */
export function isPublicAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'unicast';
}

function reject(message: string): never {
  throw new Invalid(`url ${message}`, [{ field: 'url', message }]);
}

/** Every address of the host, all public, else Invalid. */
export async function publicAddresses(hostname: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = await lookup(host, { all: true }).catch(() => reject(`host ${host} does not resolve`));
  if (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address))) {
    reject(`host ${host} resolves to a private or loopback address`);
  }
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/** Checks an endpoint's URL; in production, https to public addresses only. */
export async function checkEndpointUrl(url: string, production: boolean): Promise<void> {
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'https:' && protocol !== 'http:') reject('must be an http or https URL');
  if (!production) return;
  if (protocol !== 'https:') reject('must be https');
  await publicAddresses(hostname);
}
