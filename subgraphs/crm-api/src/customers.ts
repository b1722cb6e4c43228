// The customer domain: the only place that knows how customers are stored
// and what makes one valid. REST routes and GraphQL resolvers both call it.

import { addressColumns, addressOf } from '@supply/service-kit/address';
import {
  type Database,
  Prisma,
  SQLSTATE,
  type Statement,
  sqlState,
  type Transaction,
} from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Customer as CustomerRow } from '@supply/service-kit/generated/prisma/client';
import { idempotentWrites } from '@supply/service-kit/idempotency';
import { inIdOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';
import { inPageOrder, type SyncQuery, updatedPage } from '@supply/service-kit/sync';
import { type AddressInput, addressSchema } from '@supply/service-kit/validation';
import { z } from 'zod';

export type Address = AddressInput;

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

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'));
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()./-]{3,40}$/, 'must be a phone number: digits, spaces, + ( ) . / -');
const company = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const createCustomerInput = z.strictObject({
  name,
  email,
  phone: phone.nullish(),
  company: company.nullish(),
  address: addressSchema.nullish(),
});
export type CreateCustomerInput = z.output<typeof createCustomerInput>;

/** Every field optional; null clears phone, company or address. */
export const updateCustomerInput = z
  .strictObject({
    name: name.optional(),
    email: email.optional(),
    phone: phone.nullish(),
    company: company.nullish(),
    address: addressSchema.nullish(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'must change at least one of name, email, phone, company, address',
  });
export type UpdateCustomerInput = z.output<typeof updateCustomerInput>;

export interface CustomerFilter extends Partial<Pick<SyncQuery, 'updatedSince' | 'sort'>>, PageRequest {
  email?: string | undefined;
  search?: string | undefined;
  /** A sort=updatedAt cursor (sync.ts); with sort=id the page starts `after` an id. */
  cursor?: string | undefined;
}

/** The conditions of a list's filters, beside the cursor's. */
function filterConditions(filter: CustomerFilter): Prisma.Sql[] {
  const conditions = [Prisma.sql`TRUE`];
  if (filter.email !== undefined) conditions.push(Prisma.sql`lower(email) = lower(${filter.email})`);
  if (filter.search !== undefined) {
    // The same expression as customers_search_idx, so the trigram index serves it.
    const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(Prisma.sql`lower(name || ' ' || email || ' ' || coalesce(company, '')) LIKE ${pattern}`);
  }
  return conditions;
}

/** A customer's columns under the names Prisma gives them, for raw reads. */
const CUSTOMER_COLUMNS = Prisma.sql`
  id, name, email, phone, company, address_line1 AS "addressLine1", address_city AS "addressCity",
  address_postal_code AS "addressPostalCode", address_country AS "addressCountry",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The hottest read of the CRM (GET /customers/:id), a prepared statement. */
const CUSTOMER_BY_ID: Statement = { text: `SELECT ${CUSTOMER_COLUMNS.text} FROM customers WHERE id = $1` };
// The gateway's entity batches: one text for any number of ids.
const CUSTOMERS_BY_IDS: Statement = {
  text: `SELECT ${CUSTOMER_COLUMNS.text} FROM customers WHERE id = ANY($1::int[])`,
};

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    address: addressOf(row, 'address'),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function duplicateEmail(error: unknown, value: string | undefined): never {
  if (sqlState(error) === SQLSTATE.uniqueViolation) {
    throw new Conflict(`A customer with email ${value} already exists`, { field: 'email' });
  }
  throw error;
}

async function insertCustomer(tx: Transaction, input: CreateCustomerInput): Promise<Customer> {
  const row = await tx.customer
    .create({
      data: {
        name: input.name,
        email: input.email,
        phone: input.phone ?? null,
        company: input.company ?? null,
        ...addressColumns(input.address ?? null, 'address'),
      },
    })
    .catch((error: unknown) => duplicateEmail(error, input.email));
  return toCustomer(row);
}

export function customersDomain(db: Database) {
  const { prisma } = db;
  const creations = idempotentWrites(db, 'customers', 201);
  return {
    /** The customers with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<Customer | null>> {
      const rows = await db.read<CustomerRow>(CUSTOMERS_BY_IDS, [[...ids]]);
      return inIdOrder(ids, rows, toCustomer);
    },

    async get(id: number): Promise<Customer> {
      const [row] = await db.read<CustomerRow>(CUSTOMER_BY_ID, [id]);
      if (!row) throw new NotFound(`Customer ${id} does not exist`);
      return toCustomer(row);
    },

    /** With an Idempotency-Key, once per caller, key and input: a retry gets the first response. */
    async create(input: CreateCustomerInput, idempotencyKey?: string): Promise<Customer> {
      return creations.once(idempotencyKey, input, (tx) => insertCustomer(tx, input));
    },

    async update(id: number, input: UpdateCustomerInput): Promise<Customer> {
      const { address, ...fields } = input;
      const rows = await prisma.customer
        .updateManyAndReturn({
          where: { id },
          data: { ...fields, ...(address !== undefined && addressColumns(address, 'address')) },
        })
        .catch((error: unknown) => duplicateEmail(error, input.email));
      const row = rows[0];
      if (!row) throw new NotFound(`Customer ${id} does not exist`);
      return toCustomer(row);
    },

    /**
     * A page ordered by id, or by (updatedAt, id) for a sync; `email` matches exactly (any case),
     * `search` any part of name, email or company, `updatedSince` changes from then on.
     */
    async list(filter: CustomerFilter): Promise<Page<Customer>> {
      const conditions = filterConditions(filter);
      if (filter.sort === 'updatedAt') {
        const page = await updatedPage(db, 'customers', conditions, filter);
        const rows = await prisma.customer.findMany({ where: { id: { in: page.items } } });
        return { items: inPageOrder(page.items, rows).map(toCustomer), nextCursor: page.nextCursor };
      }
      if (filter.after !== undefined) conditions.push(Prisma.sql`id > ${filter.after}`);
      if (filter.updatedSince) conditions.push(Prisma.sql`updated_at >= ${filter.updatedSince}`);
      const rows = await prisma.$queryRaw<CustomerRow[]>`
        SELECT ${CUSTOMER_COLUMNS} FROM customers
        WHERE ${Prisma.join(conditions, ' AND ')}
        ORDER BY id
        LIMIT ${filter.limit + 1}`;
      return toPage(rows.map(toCustomer), filter.limit);
    },
  };
}

export type CustomersDomain = ReturnType<typeof customersDomain>;
