// The customer domain: the only place that knows how customers are stored
// and what makes one valid.
import type { Database } from '@supply/service-kit/database';
import type { Customer as CustomerRow } from '@supply/service-kit/generated/prisma/client';

export interface Address {
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Customer {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
  address: Address | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toCustomer(row: CustomerRow): Customer {
  const { addressLine1, addressCity, addressPostalCode, addressCountry } = row;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    address:
      addressLine1 && addressCity && addressPostalCode && addressCountry
        ? { line1: addressLine1, city: addressCity, postalCode: addressPostalCode, country: addressCountry }
        : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function customersDomain(db: Database) {
  return {
    /** The customers with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<Customer | null>> {
      const rows = await db.prisma.customer.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, toCustomer(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    },
  };
}

export type CustomersDomain = ReturnType<typeof customersDomain>;
