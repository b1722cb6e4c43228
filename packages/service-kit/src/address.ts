// An address as tables store it: four columns named by a prefix
// (address_line1, shipping_city, destination_country ...), Prisma's names
// for them camel-cased (addressLine1). The one place they become an object.
import type { AddressInput } from './validation.ts';

type Part = 'Line1' | 'City' | 'PostalCode' | 'Country';
/** The four columns of an address under `prefix`, as Prisma names them. */
export type AddressColumns<P extends string> = { [K in `${P}${Part}`]: string | null };

const column = <P extends string>(prefix: P, part: Part) => `${prefix}${part}` as `${P}${Part}`;

/** The address a row holds under `prefix`; null unless all four columns are set. */
export function addressOf<P extends string>(row: AddressColumns<P>, prefix: P): AddressInput | null {
  const [line1, city, postalCode, country] = (['Line1', 'City', 'PostalCode', 'Country'] as const).map(
    (part) => row[column(prefix, part)],
  );
  return line1 && city && postalCode && country ? { line1, city, postalCode, country } : null;
}

/** Column values for an address under `prefix`; null clears them all. */
export function addressColumns<P extends string>(address: AddressInput | null, prefix: P): AddressColumns<P> {
  return {
    [column(prefix, 'Line1')]: address?.line1 ?? null,
    [column(prefix, 'City')]: address?.city ?? null,
    [column(prefix, 'PostalCode')]: address?.postalCode ?? null,
    [column(prefix, 'Country')]: address?.country ?? null,
  } as AddressColumns<P>;
}
