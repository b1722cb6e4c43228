// Warehouses: the places that hold stock. One is the default, where stock set
// or adjusted without naming a warehouse lands.
import { addressColumns, addressOf } from '@supply/service-kit/address';
import { type Database, mapViolations, Prisma, type Transaction } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Warehouse as WarehouseRow } from '@supply/service-kit/generated/prisma/client';
import { inIdOrder } from '@supply/service-kit/lists';
import { z } from 'zod';

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const warehouseInput = z
  .object({
    code: z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be 1 to 32 uppercase letters, digits, "_" or "-"'),
    name: text(200),
    address: z
      .object({
        line1: text(200),
        city: text(100),
        postalCode: text(20),
        country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. NL'),
      })
      .strict(),
    priority: z.int32('must be a whole number').min(0).max(1_000_000).optional(),
  })
  .strict();
export type WarehouseInput = z.output<typeof warehouseInput>;

export interface Warehouse {
  id: number;
  code: string;
  name: string;
  address: { line1: string; city: string; postalCode: string; country: string } | null;
  priority: number;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function toWarehouse(row: WarehouseRow): Warehouse {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    address: addressOf(row, 'address'),
    priority: row.priority,
    isDefault: row.isDefault,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function warehousesDomain(db: Database) {
  return {
    create: (input: WarehouseInput) => createWarehouse(db, input),
    list: async () => (await db.prisma.warehouse.findMany({ orderBy: { id: 'asc' } })).map(toWarehouse),
    get: (id: number) => findWarehouse(db.prisma, id),
    getMany: async (ids: readonly number[]) => {
      const rows = await db.prisma.warehouse.findMany({ where: { id: { in: [...ids] } } });
      return inIdOrder(ids, rows, toWarehouse);
    },
  };
}

export type WarehousesDomain = ReturnType<typeof warehousesDomain>;

async function createWarehouse(db: Database, { code, name, address, priority }: WarehouseInput) {
  const duplicate = () =>
    new Conflict(`A warehouse with code ${code} already exists`, {
      errors: [{ field: 'code', message: 'is already taken' }],
    });
  const row = await mapViolations({ unique: duplicate }, () =>
    db.prisma.warehouse.create({
      data: {
        code,
        name,
        ...addressColumns(address, 'address'),
        ...(priority === undefined ? {} : { priority }),
      },
    }),
  );
  return toWarehouse(row);
}

/** The warehouse with this id; NotFound when there is none. */
export async function findWarehouse(db: Transaction, id: number): Promise<Warehouse> {
  const row = await db.warehouse.findUnique({ where: { id } });
  if (!row) throw new NotFound(`Warehouse ${id} does not exist`);
  return toWarehouse(row);
}

/** The id of the warehouse named, or of the default one when none is. */
export async function warehouseIdOrDefault(tx: Transaction, warehouseId?: number): Promise<number> {
  if (warehouseId !== undefined) return (await findWarehouse(tx, warehouseId)).id;
  const [row] = await tx.$queryRaw<Array<{ id: number }>>(
    Prisma.sql`SELECT id FROM warehouses WHERE is_default`,
  );
  if (!row) throw new Conflict('There is no default warehouse');
  return row.id;
}
