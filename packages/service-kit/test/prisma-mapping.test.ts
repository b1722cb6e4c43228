// prisma/schema.prisma must map docs/db-schema.sql exactly: every table, every
// column with its nullability and type, keys and foreign keys. The CHECKs,
// triggers and partial/expression indexes live only in the database, so the
// tests below also prove the database refuses what it promises to refuse.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getDMMF } from '@prisma/get-dmmf';
import {
  type Database,
  openDatabase,
  type Prisma,
  type PrismaClient,
  SQLSTATE,
  sqlState,
} from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { migrate } from '@supply/service-kit/migrate';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';

const SCHEMA_PRISMA = new URL('../../../prisma/schema.prisma', import.meta.url);
const logger = createLogger('test', 'silent');

// ---------------------------------------------------------------------------
// The Prisma side: the generated client's runtime data model (which models,
// tables, fields and columns the client really uses) completed by Prisma's own
// reading of schema.prisma (getDMMF) for what the runtime model leaves out
// (optionality, @db native types, ids, uniques, relations). A test below
// proves the two agree. No tool here compares a schema with a database
// (`prisma migrate diff` needs the schema engine binary), so that comparison
// is the one written below.

interface PrismaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  /** A scalar list (String[]), an ARRAY column. */
  list: boolean;
  nativeType?: { name: string; args: string[] };
  autoincrement: boolean;
}

interface PrismaRelation {
  model: string;
  fields: string[];
  references: string[];
  onDelete: string;
  onUpdate: string;
}

interface PrismaModel {
  name: string;
  table: string;
  fields: PrismaField[];
  /** Field names of @id / @@id. */
  id: string[];
  /** Field names of each @unique / @@unique. */
  uniques: string[][];
  relations: PrismaRelation[];
}

/** The models of schema.prisma as Prisma's own schema reader (getDMMF) sees them. */
function readPrismaSchema(text: string): PrismaModel[] {
  const dmmf = getDMMF({ datamodel: text });
  if ('reason' in dmmf) throw new Error(`schema.prisma: ${dmmf.reason}`);
  return dmmf.datamodel.models.map((model) => {
    const scalars = model.fields.filter((field) => field.kind !== 'object');
    return {
      name: model.name,
      table: model.dbName ?? model.name,
      fields: scalars.map((field) => ({
        name: field.name,
        column: field.dbName ?? field.name,
        type: field.type,
        list: field.isList,
        optional: !field.isRequired,
        ...(field.nativeType
          ? { nativeType: { name: field.nativeType[0], args: [...field.nativeType[1]] } }
          : {}),
        autoincrement: isAutoincrement(field.default),
      })),
      id: model.primaryKey
        ? [...model.primaryKey.fields]
        : scalars.filter((field) => field.isId).map((field) => field.name),
      uniques: [
        ...scalars.filter((field) => field.isUnique).map((field) => [field.name]),
        ...model.uniqueFields.map((fields) => [...fields]),
      ],
      relations: model.fields.flatMap((field) =>
        field.kind === 'object' && field.relationFromFields?.length
          ? [
              {
                model: field.type,
                fields: [...field.relationFromFields],
                references: [...(field.relationToFields ?? [])],
                // Prisma's defaults when the action is not written out.
                onDelete: field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull'),
                onUpdate: field.relationOnUpdate ?? 'Cascade',
              },
            ]
          : [],
      ),
    };
  });
}

function isAutoincrement(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'autoincrement'
  );
}

interface RuntimeField {
  name: string;
  kind: string;
  type: string;
  dbName?: string | null;
}
interface RuntimeDataModel {
  models: Record<string, { dbName: string | null; fields: RuntimeField[] }>;
}

/** The generated client's own data model (not a public API, hence the cast). */
function runtimeDataModel(prisma: PrismaClient): RuntimeDataModel {
  return (prisma as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel;
}

/** Differences between the schema.prisma reader and the generated client; [] when the client is current. */
function clientDifferences(models: PrismaModel[], runtime: RuntimeDataModel): string[] {
  const differences: string[] = [];
  const read = new Map(models.map((model) => [model.name, model]));
  for (const name of new Set([...read.keys(), ...Object.keys(runtime.models)])) {
    const model = read.get(name);
    const generated = runtime.models[name];
    if (!model || !generated) {
      differences.push(`${name}: ${model ? 'not in the generated client' : 'not in schema.prisma'}`);
      continue;
    }
    if ((generated.dbName ?? name) !== model.table)
      differences.push(`${name}: table ${generated.dbName} vs ${model.table}`);
    const scalars = generated.fields
      .filter((f) => f.kind === 'scalar')
      .map((f) => `${f.name}:${f.dbName ?? f.name}:${f.type}`);
    const fields = model.fields.map((f) => `${f.name}:${f.column}:${f.type}`);
    if (JSON.stringify(scalars) !== JSON.stringify(fields)) {
      differences.push(`${name}: generated fields ${scalars.join(',')} vs schema.prisma ${fields.join(',')}`);
    }
  }
  return differences;
}

// ---------------------------------------------------------------------------
// The database side, straight from the catalogs.

interface DbColumn {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  is_identity: 'YES' | 'NO';
}

interface DbConstraint {
  table_name: string;
  contype: 'p' | 'u' | 'f';
  columns: string[];
  ref_table: string | null;
  ref_columns: string[] | null;
  on_delete: string;
  on_update: string;
}

interface DbIndex {
  table_name: string;
  columns: string[];
}

interface DbShape {
  tables: string[];
  columns: DbColumn[];
  constraints: DbConstraint[];
  /** Unique indexes on plain columns (partial and expression indexes are the database's own business). */
  uniqueIndexes: DbIndex[];
}

type Query = TestDatabase['query'];

async function readDatabase(query: Query): Promise<DbShape> {
  const tables = await query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const columns = await query<DbColumn>(
    `SELECT table_name, column_name, is_nullable, data_type, character_maximum_length, datetime_precision, is_identity
       FROM information_schema.columns
      WHERE table_schema = 'public'
      ORDER BY table_name, ordinal_position`,
  );
  const constraints = await query<DbConstraint>(
    `SELECT t.relname AS table_name, c.contype,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS columns,
            r.relname AS ref_table,
            CASE WHEN c.contype = 'f' THEN
              array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, i)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.i)
            END AS ref_columns,
            c.confdeltype AS on_delete, c.confupdtype AS on_update
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_class r ON r.oid = c.confrelid
      WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
      ORDER BY t.relname, c.conname`,
  );
  const uniqueIndexes = await query<DbIndex>(
    `SELECT t.relname AS table_name,
            array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, o)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.o) AS columns
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary
        AND i.indpred IS NULL AND i.indexprs IS NULL`,
  );
  return {
    tables: tables.rows.map((row) => row.table_name),
    columns: columns.rows,
    constraints: constraints.rows,
    uniqueIndexes: uniqueIndexes.rows,
  };
}

// ---------------------------------------------------------------------------
// The comparison: a list of differences, [] when the mapping is exact.

// The migration runner's and the rate limiter's own tables: no domain code reads them.
const UNMAPPED_TABLES = new Set(['schema_migrations', 'rate_limits']);

/** The column type a Prisma field maps to, in information_schema's words. */
function expectedColumnType(field: PrismaField): { dataType: string; length?: number; precision?: number } {
  const native = field.nativeType;
  const arg = native?.args[0] === undefined ? undefined : Number(native.args[0]);
  if (field.list)
    return { dataType: field.type === 'String' && !native ? 'ARRAY' : '(no rule for lists of it)' };
  switch (`${field.type}:${native?.name ?? ''}`) {
    case 'Int:':
    case 'Int:Integer':
      return { dataType: 'integer' };
    case 'Int:SmallInt':
      return { dataType: 'smallint' };
    case 'BigInt:':
      return { dataType: 'bigint' };
    case 'Boolean:':
      return { dataType: 'boolean' };
    case 'String:':
    case 'String:Text':
      return { dataType: 'text' };
    case 'String:Char':
      return { dataType: 'character', length: arg ?? 1 };
    case 'String:VarChar':
      return arg === undefined
        ? { dataType: 'character varying' }
        : { dataType: 'character varying', length: arg };
    case 'String:Uuid':
      return { dataType: 'uuid' };
    // Without @db.Timestamptz Prisma means timestamp(3) WITHOUT time zone.
    case 'DateTime:':
      return { dataType: 'timestamp without time zone', precision: 3 };
    case 'DateTime:Timestamp':
      return { dataType: 'timestamp without time zone', precision: arg ?? 6 };
    case 'DateTime:Timestamptz':
      return { dataType: 'timestamp with time zone', precision: arg ?? 6 };
    case 'DateTime:Date':
      return { dataType: 'date' };
    case 'Json:':
      return { dataType: 'jsonb' };
    case 'Json:Json':
      return { dataType: 'json' };
    default:
      return { dataType: `(no rule for ${field.type}${native ? ` @db.${native.name}` : ''})` };
  }
}

const REFERENTIAL_ACTION: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

function describeType(column: DbColumn): string {
  if (column.character_maximum_length !== null)
    return `${column.data_type}(${column.character_maximum_length})`;
  if (column.data_type.startsWith('timestamp')) return `${column.data_type}(${column.datetime_precision})`;
  return column.data_type;
}

function mappingDifferences(models: PrismaModel[], db: DbShape): string[] {
  const differences: string[] = [];
  const byTable = new Map(models.map((model) => [model.table, model]));
  const sameSet = (a: string[], b: string[]) => [...a].sort().join(',') === [...b].sort().join(',');

  for (const table of db.tables) {
    if (!UNMAPPED_TABLES.has(table) && !byTable.has(table))
      differences.push(`${table}: table not mapped by any model`);
  }
  for (const model of models) {
    const where = `${model.table} (${model.name})`;
    if (!db.tables.includes(model.table)) {
      differences.push(`${where}: model maps a table the database does not have`);
      continue;
    }
    const columns = new Map(
      db.columns.filter((c) => c.table_name === model.table).map((c) => [c.column_name, c]),
    );
    const fields = new Map(model.fields.map((f) => [f.column, f]));
    const columnOf = (fieldName: string) =>
      model.fields.find((f) => f.name === fieldName)?.column ?? `?${fieldName}`;

    for (const column of columns.keys()) {
      if (!fields.has(column)) differences.push(`${where}.${column}: column not in the Prisma model`);
    }
    for (const field of model.fields) {
      const column = columns.get(field.column);
      const at = `${where}.${field.column}`;
      if (!column) {
        differences.push(`${at}: field ${field.name} maps a column the database does not have`);
        continue;
      }
      const nullable = column.is_nullable === 'YES';
      if (nullable !== field.optional) {
        differences.push(
          `${at}: ${nullable ? 'nullable' : 'NOT NULL'} in the database, ${field.optional ? 'optional' : 'required'} in Prisma`,
        );
      }
      const expected = expectedColumnType(field);
      const typeMatches =
        expected.dataType === column.data_type &&
        (expected.length === undefined || expected.length === column.character_maximum_length) &&
        (expected.precision === undefined || expected.precision === column.datetime_precision);
      if (!typeMatches) {
        const prismaType = `${field.type}${field.nativeType ? ` @db.${field.nativeType.name}(${field.nativeType.args.join(',')})` : ''}`;
        differences.push(`${at}: ${describeType(column)} in the database, ${prismaType} in Prisma`);
      }
      if ((column.is_identity === 'YES') !== field.autoincrement) {
        differences.push(
          `${at}: ${column.is_identity === 'YES' ? 'identity' : 'no identity'} in the database, ${field.autoincrement ? '' : 'no '}@default(autoincrement()) in Prisma`,
        );
      }
    }

    const constraints = db.constraints.filter((c) => c.table_name === model.table);
    const primaryKey = constraints.find((c) => c.contype === 'p')?.columns ?? [];
    const id = model.id.map(columnOf);
    if (id.join(',') !== primaryKey.join(',')) {
      differences.push(
        `${where}: primary key (${primaryKey.join(', ')}) in the database, (${id.join(', ')}) in Prisma`,
      );
    }

    const dbUniques = [
      ...constraints.filter((c) => c.contype === 'u').map((c) => c.columns),
      ...db.uniqueIndexes.filter((i) => i.table_name === model.table).map((i) => i.columns),
    ];
    const prismaUniques = model.uniques.map((fieldNames) => fieldNames.map(columnOf));
    for (const unique of dbUniques) {
      if (!prismaUniques.some((u) => sameSet(u, unique))) {
        differences.push(`${where}: unique (${unique.join(', ')}) in the database, not in Prisma`);
      }
    }
    for (const unique of prismaUniques) {
      if (!dbUniques.some((u) => sameSet(u, unique))) {
        differences.push(`${where}: @unique (${unique.join(', ')}) in Prisma, not in the database`);
      }
    }

    const foreignKeys = constraints
      .filter((c) => c.contype === 'f')
      .map((c) => ({
        key: `(${c.columns.join(', ')}) -> ${c.ref_table}(${(c.ref_columns ?? []).join(', ')})`,
        actions: `onDelete ${REFERENTIAL_ACTION[c.on_delete]}, onUpdate ${REFERENTIAL_ACTION[c.on_update]}`,
      }));
    const relations = model.relations.map((relation) => {
      const target = models.find((m) => m.name === relation.model);
      const targetColumn = (name: string) =>
        target?.fields.find((f) => f.name === name)?.column ?? `?${name}`;
      return {
        key: `(${relation.fields.map(columnOf).join(', ')}) -> ${target?.table}(${relation.references.map(targetColumn).join(', ')})`,
        actions: `onDelete ${relation.onDelete}, onUpdate ${relation.onUpdate}`,
      };
    });
    for (const fk of foreignKeys) {
      const relation = relations.find((r) => r.key === fk.key);
      if (!relation)
        differences.push(`${where}: foreign key ${fk.key} in the database, no relation in Prisma`);
      else if (relation.actions !== fk.actions) {
        differences.push(
          `${where}: foreign key ${fk.key}: ${fk.actions} in the database, ${relation.actions} in Prisma`,
        );
      }
    }
    for (const relation of relations) {
      if (!foreignKeys.some((fk) => fk.key === relation.key)) {
        differences.push(`${where}: relation ${relation.key} in Prisma, no foreign key in the database`);
      }
    }
  }
  return differences;
}

// ---------------------------------------------------------------------------

let models: PrismaModel[];
let runtime: RuntimeDataModel;

beforeAll(async () => {
  models = readPrismaSchema(await readFile(SCHEMA_PRISMA, 'utf8'));
  // The runtime data model is built when the client is constructed: no connection needed.
  const probe = openDatabase({ url: 'postgresql://localhost/unused', poolSize: 1, logger });
  runtime = runtimeDataModel(probe.prisma);
  await probe.close();
});

describe('prisma/schema.prisma against docs/db-schema.sql', () => {
  let db: TestDatabase;
  let drifted: TestDatabase;

  beforeAll(async () => {
    [db, drifted] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });

  afterAll(async () => {
    await Promise.all([db?.drop(), drifted?.drop()]);
  });

  it('is what the generated client was generated from (the client is not stale)', () => {
    expect(models.map((m) => m.name).sort()).toEqual(Object.keys(runtime.models).sort());
    expect(clientDifferences(models, runtime)).toEqual([]);
  });

  it('maps every table, column, nullability, type, key and foreign key of the schema exactly', async () => {
    const shape = await readDatabase(db.query);
    // The check has something to check: all twenty-five tables, each with columns.
    expect(models).toHaveLength(25);
    expect(shape.tables).toEqual(expect.arrayContaining(models.map((m) => m.table)));
    expect(mappingDifferences(models, shape)).toEqual([]);
  });

  it('reports a database that has drifted from the Prisma schema', async () => {
    await drifted.query('ALTER TABLE customers ADD COLUMN nickname text');
    expect(mappingDifferences(models, await readDatabase(drifted.query))).toEqual([
      'customers (Customer).nickname: column not in the Prisma model',
    ]);

    await drifted.query('ALTER TABLE customers DROP COLUMN phone');
    await drifted.query('ALTER TABLE products ALTER COLUMN name DROP NOT NULL');
    await drifted.query('ALTER TABLE inventory ALTER COLUMN location TYPE varchar(100)');
    await drifted.query('ALTER TABLE orders ALTER COLUMN shipping_country TYPE char(3)');
    await drifted.query('ALTER TABLE order_status_history ALTER COLUMN changed_at TYPE timestamp');
    await drifted.query(
      'ALTER TABLE shipment_reports DROP CONSTRAINT shipment_reports_shipment_id_status_key',
    );
    await drifted.query('ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_order_id_fkey');
    await drifted.query(
      'ALTER TABLE idempotency_keys ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE',
    );
    await drifted.query('CREATE TABLE audit_log (id integer PRIMARY KEY)');
    await drifted.query('ALTER TABLE products ALTER COLUMN id DROP IDENTITY');
    await drifted.query('CREATE UNIQUE INDEX ON inventory_adjustments (reason)');
    await drifted.query('ALTER TABLE order_items DROP CONSTRAINT order_items_product_id_fkey');
    // CASCADE drops reservation_allocations' foreign key to it too.
    await drifted.query('ALTER TABLE reservation_items DROP CONSTRAINT reservation_items_pkey CASCADE');
    await drifted.query('ALTER TABLE reservation_items ADD PRIMARY KEY (product_id, order_id)');
    expect(mappingDifferences(models, await readDatabase(drifted.query)).sort()).toEqual(
      [
        'audit_log: table not mapped by any model',
        'customers (Customer).nickname: column not in the Prisma model',
        'customers (Customer).phone: field phone maps a column the database does not have',
        'products (Product).name: nullable in the database, required in Prisma',
        'inventory (Inventory).location: character varying(100) in the database, String in Prisma',
        'orders (Order).shipping_country: character(3) in the database, String @db.Char(2) in Prisma',
        'order_status_history (OrderStatusHistory).changed_at: timestamp without time zone(6) in the database, DateTime @db.Timestamptz(6) in Prisma',
        'shipment_reports (ShipmentReport): @unique (shipment_id, status) in Prisma, not in the database',
        'products (Product).id: no identity in the database, @default(autoincrement()) in Prisma',
        'inventory_adjustments (InventoryAdjustment): unique (reason) in the database, not in Prisma',
        'order_items (OrderItem): relation (product_id) -> products(id) in Prisma, no foreign key in the database',
        'reservation_items (ReservationItem): primary key (product_id, order_id) in the database, (order_id, product_id) in Prisma',
        'reservation_allocations (ReservationAllocation): relation (order_id, product_id) -> reservation_items(order_id, product_id) in Prisma, no foreign key in the database',
        'idempotency_keys (IdempotencyKey): foreign key (order_id) -> orders(id): onDelete Cascade, onUpdate NoAction in the database, onDelete SetNull, onUpdate NoAction in Prisma',
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------

let seq = 0;
const next = () => ++seq;

const address = {
  shippingLine1: '1 Main St',
  shippingCity: 'Springfield',
  shippingPostalCode: '12345',
  shippingCountry: 'US',
};

async function newCustomer(prisma: PrismaClient) {
  const n = next();
  return prisma.customer.create({ data: { name: `Customer ${n}`, email: `customer${n}@example.com` } });
}

async function newProduct(prisma: PrismaClient, stock?: { onHand: number; reserved?: number }) {
  const n = next();
  return prisma.product.create({
    data: {
      sku: `SKU-${n}`,
      name: `Product ${n}`,
      unitPriceCents: 999,
      currency: 'USD',
      weightGrams: 250,
      ...(stock
        ? { inventory: { create: { quantityOnHand: stock.onHand, quantityReserved: stock.reserved ?? 0 } } }
        : {}),
    },
  });
}

/** A requested return of one unit of a new product from a new order. */
async function newReturn(prisma: PrismaClient) {
  const order = await newOrder(prisma);
  const product = await newProduct(prisma);
  const created = await prisma.orderReturn.create({
    data: { orderId: order.id, reason: 'Arrived dented', currency: 'USD' },
  });
  return { order, product, orderReturn: created };
}

async function newOrder(prisma: PrismaClient) {
  const customer = await newCustomer(prisma);
  return prisma.order.create({
    data: { customer: { connect: { id: customer.id } }, totalCents: 1998, currency: 'USD', ...address },
  });
}

function shipmentData(orderId: number) {
  return {
    orderId,
    carrier: 'GlobePost',
    serviceLevel: 'standard',
    trackingNumber: `TRK${String(next()).padStart(10, '0')}`,
    destinationLine1: '1 Main St',
    destinationCity: 'Springfield',
    destinationPostalCode: '12345',
    destinationCountry: 'US',
    weightGrams: 500,
    costCents: 799,
    currency: 'USD',
    estimatedDeliveryDate: new Date('2026-12-01'),
  };
}

/** Expects the promise to fail with the SQLSTATE, as sqlState reads it off whatever was thrown. */
async function expectSqlState(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeDefined();
  expect(sqlState(error)).toBe(code);
}

// One create / read (with a relation) / update / delete per model. Keyed by
// Prisma.ModelName, so a model without an entry does not type-check.
const crud: Record<Prisma.ModelName, (prisma: PrismaClient) => Promise<void>> = {
  Customer: async (prisma) => {
    const created = await prisma.customer.create({
      data: {
        name: 'Hans Müller',
        email: 'hans@example.de',
        phone: '+49 30 5555 1820',
        company: 'Müller GmbH',
        addressLine1: 'Unter den Linden 77',
        addressCity: 'Berlin',
        addressPostalCode: '10117',
        addressCountry: 'DE',
      },
    });
    await prisma.order.create({
      data: { customerId: created.id, totalCents: 100, currency: 'EUR', ...address },
    });
    const read = await prisma.customer.findUniqueOrThrow({
      where: { id: created.id },
      include: { orders: true },
    });
    expect(read).toMatchObject({ name: 'Hans Müller', addressCountry: 'DE', createdAt: expect.any(Date) });
    expect(read.orders).toEqual([expect.objectContaining({ customerId: created.id, status: 'pending' })]);
    const updated = await prisma.customer.update({ where: { id: created.id }, data: { phone: null } });
    expect(updated.phone).toBeNull();
    await prisma.order.deleteMany({ where: { customerId: created.id } });
    await prisma.customer.delete({ where: { id: created.id } });
    expect(await prisma.customer.findUnique({ where: { id: created.id } })).toBeNull();
  },
  Product: async (prisma) => {
    const created = await prisma.product.create({
      data: {
        sku: 'CRUD-PRODUCT',
        name: 'Cordless Drill',
        unitPriceCents: 8999,
        currency: 'USD',
        weightGrams: 1800,
        inventory: { create: { quantityOnHand: 5, location: 'A-01-01' } },
      },
    });
    const read = await prisma.product.findUniqueOrThrow({
      where: { sku: 'CRUD-PRODUCT' },
      include: { inventory: true },
    });
    expect(read.inventory).toMatchObject({
      productId: created.id,
      quantityOnHand: 5,
      quantityReserved: 0,
      version: 1,
    });
    const updated = await prisma.product.update({
      where: { id: created.id },
      data: { unitPriceCents: 7999 },
    });
    expect(updated.unitPriceCents).toBe(7999);
    await prisma.product.delete({ where: { id: created.id } });
    expect(await prisma.product.findUnique({ where: { id: created.id } })).toBeNull();
    // ON DELETE CASCADE took the stock row with it.
    expect(await prisma.inventory.findUnique({ where: { productId: created.id } })).toBeNull();
  },
  Inventory: async (prisma) => {
    const product = await newProduct(prisma);
    await prisma.inventory.create({ data: { product: { connect: { id: product.id } }, quantityOnHand: 10 } });
    const read = await prisma.inventory.findUniqueOrThrow({
      where: { productId: product.id },
      include: { product: true },
    });
    expect(read).toMatchObject({
      quantityOnHand: 10,
      reorderPoint: 0,
      location: null,
      product: { sku: product.sku },
    });
    const updated = await prisma.inventory.update({
      where: { productId: product.id },
      data: { quantityReserved: 4, version: { increment: 1 } },
    });
    expect(updated).toMatchObject({ quantityReserved: 4, version: 2 });
    await prisma.inventory.delete({ where: { productId: product.id } });
    expect(await prisma.inventory.findUnique({ where: { productId: product.id } })).toBeNull();
  },
  Warehouse: async (prisma) => {
    const created = await prisma.warehouse.create({
      data: {
        code: `W${next()}`,
        name: 'Newark',
        addressLine1: '1 Port Blvd',
        addressCity: 'Newark',
        addressPostalCode: '07114',
        addressCountry: 'US',
      },
    });
    const read = await prisma.warehouse.findUniqueOrThrow({
      where: { id: created.id },
      include: { stock: true },
    });
    expect(read).toMatchObject({ priority: 100, isDefault: false, stock: [] });
    expect(
      (await prisma.warehouse.update({ where: { id: created.id }, data: { priority: 5 } })).priority,
    ).toBe(5);
    await prisma.warehouse.delete({ where: { id: created.id } });
  },
  WarehouseStock: async (prisma) => {
    const product = await newProduct(prisma);
    await prisma.inventory.create({ data: { productId: product.id } });
    const key = { productId: product.id, warehouseId: 1 };
    await prisma.warehouseStock.create({ data: { ...key, quantityOnHand: 7 } });
    const read = await prisma.warehouseStock.findUniqueOrThrow({
      where: { productId_warehouseId: key },
      include: { warehouse: true, inventory: true },
    });
    // The trigger adds each warehouse's stock into the product's totals.
    expect(read).toMatchObject({
      quantityOnHand: 7,
      warehouse: { isDefault: true },
      inventory: { quantityOnHand: 7 },
    });
    await prisma.warehouseStock.update({
      where: { productId_warehouseId: key },
      data: { quantityReserved: 2 },
    });
    await prisma.warehouseStock.delete({ where: { productId_warehouseId: key } });
    expect(await prisma.inventory.findUniqueOrThrow({ where: { productId: product.id } })).toMatchObject({
      quantityOnHand: 0,
      quantityReserved: 0,
    });
  },
  StockTransfer: async (prisma) => {
    const product = await newProduct(prisma);
    const other = await prisma.warehouse.create({ data: { code: `W${next()}`, name: 'Other' } });
    const created = await prisma.stockTransfer.create({
      data: { productId: product.id, fromWarehouseId: 1, toWarehouseId: other.id, quantity: 3 },
    });
    const read = await prisma.stockTransfer.findUniqueOrThrow({
      where: { id: created.id },
      include: { to: true },
    });
    expect(read).toMatchObject({ quantity: 3, to: { id: other.id } });
    await prisma.stockTransfer.delete({ where: { id: created.id } });
  },
  InventoryAdjustment: async (prisma) => {
    const product = await newProduct(prisma);
    const created = await prisma.inventoryAdjustment.create({
      data: { productId: product.id, warehouseId: 1, delta: -3, reason: 'Cycle count correction' },
    });
    const read = await prisma.inventoryAdjustment.findUniqueOrThrow({
      where: { id: created.id },
      include: { product: true },
    });
    expect(read).toMatchObject({ delta: -3, product: { id: product.id } });
    const updated = await prisma.inventoryAdjustment.update({
      where: { id: created.id },
      data: { reason: 'Damaged' },
    });
    expect(updated.reason).toBe('Damaged');
    await prisma.inventoryAdjustment.delete({ where: { id: created.id } });
    expect(await prisma.inventoryAdjustment.findUnique({ where: { id: created.id } })).toBeNull();
  },
  Order: async (prisma) => {
    const customer = await newCustomer(prisma);
    const product = await newProduct(prisma);
    const created = await prisma.order.create({
      data: {
        customer: { connect: { id: customer.id } },
        serviceLevel: 'express',
        totalCents: 1998,
        currency: 'USD',
        ...address,
        items: { create: [{ productId: product.id, quantity: 2, unitPriceCents: 999 }] },
      },
    });
    const read = await prisma.order.findUniqueOrThrow({
      where: { id: created.id },
      include: { customer: true, items: true },
    });
    expect(read).toMatchObject({ status: 'pending', serviceLevel: 'express', failureReason: null });
    expect(read.customer.email).toBe(customer.email);
    expect(read.items).toEqual([
      { orderId: created.id, productId: product.id, quantity: 2, unitPriceCents: 999 },
    ]);
    const updated = await prisma.order.update({ where: { id: created.id }, data: { status: 'confirmed' } });
    expect(updated.status).toBe('confirmed');
    await prisma.order.delete({ where: { id: created.id } });
    expect(await prisma.order.findUnique({ where: { id: created.id } })).toBeNull();
    expect(await prisma.orderItem.count({ where: { orderId: created.id } })).toBe(0);
  },
  OrderItem: async (prisma) => {
    const order = await newOrder(prisma);
    const product = await newProduct(prisma);
    await prisma.orderItem.create({
      data: {
        order: { connect: { id: order.id } },
        product: { connect: { id: product.id } },
        quantity: 1,
        unitPriceCents: 999,
      },
    });
    const where = { orderId_productId: { orderId: order.id, productId: product.id } };
    const read = await prisma.orderItem.findUniqueOrThrow({ where, include: { order: true, product: true } });
    expect(read).toMatchObject({ quantity: 1, order: { id: order.id }, product: { sku: product.sku } });
    expect((await prisma.orderItem.update({ where, data: { quantity: 3 } })).quantity).toBe(3);
    await prisma.orderItem.delete({ where });
    expect(await prisma.orderItem.findUnique({ where })).toBeNull();
  },
  OrderItemAllocation: async (prisma) => {
    const order = await newOrder(prisma);
    const product = await newProduct(prisma);
    await prisma.orderItem.create({
      data: { orderId: order.id, productId: product.id, quantity: 3, unitPriceCents: 1 },
    });
    const key = { orderId: order.id, productId: product.id, warehouseId: 1 };
    await prisma.orderItemAllocation.create({ data: { ...key, quantity: 3 } });
    const where = { orderId_productId_warehouseId: key };
    const read = await prisma.orderItemAllocation.findUniqueOrThrow({
      where,
      include: { item: true, warehouse: true },
    });
    expect(read).toMatchObject({ quantity: 3, item: { quantity: 3 }, warehouse: { id: 1 } });
    expect((await prisma.orderItemAllocation.update({ where, data: { quantity: 2 } })).quantity).toBe(2);
    await prisma.orderItemAllocation.delete({ where });
    expect(await prisma.orderItemAllocation.findUnique({ where })).toBeNull();
  },
  OrderStatusHistory: async (prisma) => {
    const order = await newOrder(prisma);
    const created = await prisma.orderStatusHistory.create({
      data: { orderId: order.id, fromStatus: null, toStatus: 'pending' },
    });
    const read = await prisma.orderStatusHistory.findUniqueOrThrow({
      where: { id: created.id },
      include: { order: true },
    });
    expect(read).toMatchObject({
      fromStatus: null,
      toStatus: 'pending',
      changedAt: expect.any(Date),
      order: { id: order.id },
    });
    const updated = await prisma.orderStatusHistory.update({
      where: { id: created.id },
      data: { reason: 'Placed by phone' },
    });
    expect(updated.reason).toBe('Placed by phone');
    await prisma.orderStatusHistory.delete({ where: { id: created.id } });
    expect(await prisma.orderStatusHistory.findUnique({ where: { id: created.id } })).toBeNull();
  },
  Reservation: async (prisma) => {
    const order = await newOrder(prisma);
    const product = await newProduct(prisma);
    await prisma.reservation.create({
      data: {
        order: { connect: { id: order.id } },
        items: { create: [{ productId: product.id, quantity: 2 }] },
      },
    });
    const read = await prisma.reservation.findUniqueOrThrow({
      where: { orderId: order.id },
      include: { order: true, items: true },
    });
    expect(read).toMatchObject({ status: 'reserved', order: { id: order.id } });
    expect(read.items).toEqual([{ orderId: order.id, productId: product.id, quantity: 2 }]);
    const updated = await prisma.reservation.update({
      where: { orderId: order.id },
      data: { status: 'released' },
    });
    expect(updated.status).toBe('released');
    await prisma.reservation.delete({ where: { orderId: order.id } });
    expect(await prisma.reservation.findUnique({ where: { orderId: order.id } })).toBeNull();
    expect(await prisma.reservationItem.count({ where: { orderId: order.id } })).toBe(0);
  },
  ReservationItem: async (prisma) => {
    const order = await newOrder(prisma);
    const product = await newProduct(prisma);
    await prisma.reservation.create({ data: { orderId: order.id } });
    await prisma.reservationItem.create({
      data: {
        reservation: { connect: { orderId: order.id } },
        product: { connect: { id: product.id } },
        quantity: 1,
      },
    });
    const where = { orderId_productId: { orderId: order.id, productId: product.id } };
    const read = await prisma.reservationItem.findUniqueOrThrow({
      where,
      include: { reservation: true, product: true },
    });
    expect(read).toMatchObject({
      quantity: 1,
      reservation: { status: 'reserved' },
      product: { id: product.id },
    });
    expect((await prisma.reservationItem.update({ where, data: { quantity: 5 } })).quantity).toBe(5);
    await prisma.reservationItem.delete({ where });
    expect(await prisma.reservationItem.findUnique({ where })).toBeNull();
  },
  ReservationAllocation: async (prisma) => {
    const order = await newOrder(prisma);
    const product = await newProduct(prisma);
    await prisma.reservation.create({ data: { orderId: order.id } });
    await prisma.reservationItem.create({ data: { orderId: order.id, productId: product.id, quantity: 3 } });
    const key = { orderId: order.id, productId: product.id, warehouseId: 1 };
    await prisma.reservationAllocation.create({ data: { ...key, quantity: 3 } });
    const where = { orderId_productId_warehouseId: key };
    const read = await prisma.reservationAllocation.findUniqueOrThrow({
      where,
      include: { item: true, warehouse: true },
    });
    expect(read).toMatchObject({ quantity: 3, item: { quantity: 3 }, warehouse: { id: 1 } });
    expect((await prisma.reservationAllocation.update({ where, data: { quantity: 2 } })).quantity).toBe(2);
    await prisma.reservationAllocation.delete({ where });
    expect(await prisma.reservationAllocation.findUnique({ where })).toBeNull();
  },
  Shipment: async (prisma) => {
    const order = await newOrder(prisma);
    const created = await prisma.shipment.create({ data: shipmentData(order.id) });
    const read = await prisma.shipment.findUniqueOrThrow({
      where: { trackingNumber: created.trackingNumber },
      include: { order: true },
    });
    // A date column comes back as midnight UTC of that day.
    expect(read).toMatchObject({
      status: 'label_created',
      estimatedDeliveryDate: new Date('2026-12-01T00:00:00.000Z'),
      order: { id: order.id },
    });
    const updated = await prisma.shipment.update({
      where: { id: created.id },
      data: { status: 'in_transit' },
    });
    expect(updated.status).toBe('in_transit');
    await prisma.shipment.delete({ where: { id: created.id } });
    expect(await prisma.shipment.findUnique({ where: { id: created.id } })).toBeNull();
  },
  ShipmentReport: async (prisma) => {
    const order = await newOrder(prisma);
    const shipment = await prisma.shipment.create({ data: shipmentData(order.id) });
    const created = await prisma.shipmentReport.create({
      data: {
        shipment: { connect: { id: shipment.id } },
        order: { connect: { id: order.id } },
        status: 'in_transit',
      },
    });
    const read = await prisma.shipmentReport.findUniqueOrThrow({
      where: { shipmentId_status: { shipmentId: shipment.id, status: 'in_transit' } },
      include: { shipment: true, order: true },
    });
    expect(read).toMatchObject({
      id: created.id,
      attempts: 0,
      deliveredAt: null,
      shipment: { trackingNumber: shipment.trackingNumber },
      order: { id: order.id },
    });
    const deliveredAt = new Date('2026-11-20T18:00:04.123Z');
    const updated = await prisma.shipmentReport.update({
      where: { id: created.id },
      data: { attempts: { increment: 1 }, deliveredAt },
    });
    expect(updated).toMatchObject({ attempts: 1, deliveredAt });
    await prisma.shipmentReport.delete({ where: { id: created.id } });
    expect(await prisma.shipmentReport.findUnique({ where: { id: created.id } })).toBeNull();
  },
  IdempotencyKey: async (prisma) => {
    const order = await newOrder(prisma);
    const where = { scope_caller_key: { scope: 'placeOrder', caller: 'open', key: 'crud-key-1' } };
    await prisma.idempotencyKey.create({
      data: {
        scope: 'placeOrder',
        caller: 'open',
        key: 'crud-key-1',
        requestHash: 'a'.repeat(64),
        order: { connect: { id: order.id } },
      },
    });
    const read = await prisma.idempotencyKey.findUniqueOrThrow({ where, include: { order: true } });
    expect(read).toMatchObject({
      state: 'in_progress',
      responseStatus: null,
      responseBody: null,
      order: { id: order.id },
    });
    const body = { order: { id: order.id, status: 'confirmed', lines: [1, 2] }, note: 'ünïcödé' };
    const updated = await prisma.idempotencyKey.update({
      where,
      data: { state: 'completed', responseStatus: 201, responseBody: body },
    });
    expect(updated).toMatchObject({ state: 'completed', responseStatus: 201, responseBody: body });
    await prisma.idempotencyKey.delete({ where });
    expect(await prisma.idempotencyKey.findUnique({ where })).toBeNull();
  },
  WebhookEndpoint: async (prisma) => {
    const endpoint = await prisma.webhookEndpoint.create({
      data: { url: 'https://crm.example.com/hooks', events: ['order.shipped'], secret: 'whsec_c2VjcmV0' },
    });
    const read = await prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id: endpoint.id },
      include: { deliveries: true },
    });
    expect(read).toMatchObject({ events: ['order.shipped'], disabledAt: null, deliveries: [] });
    await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: new Date() } });
    await prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  },
  WebhookEvent: async (prisma) => {
    const event = await prisma.webhookEvent.create({ data: { type: 'stock.low', subjectId: 1 } });
    const read = await prisma.webhookEvent.findUniqueOrThrow({
      where: { id: event.id },
      include: { deliveries: true },
    });
    expect(read).toMatchObject({ data: null, fannedAt: null, deliveries: [] });
    await prisma.webhookEvent.update({ where: { id: event.id }, data: { data: { productId: 1 } } });
    await prisma.webhookEvent.delete({ where: { id: event.id } });
  },
  WebhookDelivery: async (prisma) => {
    const event = await prisma.webhookEvent.create({
      data: { type: 'order.shipped', subjectId: 1, orderId: 1 },
    });
    const endpoint = await prisma.webhookEndpoint.create({
      data: { url: 'https://crm.example.com/hooks', events: ['order.shipped'], secret: 'whsec_c2VjcmV0' },
    });
    const delivery = await prisma.webhookDelivery.create({
      data: { eventId: event.id, endpointId: endpoint.id, orderId: 1 },
    });
    const read = await prisma.webhookDelivery.findUniqueOrThrow({
      where: { id: delivery.id },
      include: { event: true, endpoint: true },
    });
    expect(read).toMatchObject({ status: 'pending', attempts: 0, event: { type: 'order.shipped' } });
    await prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'delivered' } });
    await prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
    expect(await prisma.webhookDelivery.findUnique({ where: { id: delivery.id } })).toBeNull();
    await prisma.webhookEvent.delete({ where: { id: event.id } });
  },
  OrderReturn: async (prisma) => {
    const { order, product } = await newReturn(prisma);
    const created = await prisma.orderReturn.create({
      data: {
        orderId: order.id,
        reason: 'Wrong size',
        currency: 'USD',
        items: { create: [{ productId: product.id, quantity: 2, unitPriceCents: 999 }] },
      },
    });
    const where = { id: created.id };
    const read = await prisma.orderReturn.findUniqueOrThrow({ where, include: { items: true, order: true } });
    expect(read).toMatchObject({ status: 'requested', refundCents: null, order: { id: order.id } });
    expect(read.items).toMatchObject([{ quantity: 2, receivedQuantity: null }]);
    const receivedAt = new Date('2026-11-29T10:00:00.000Z');
    const updated = await prisma.orderReturn.update({
      where,
      data: { status: 'received', receivedAt, refundCents: 1998, warehouseId: 1 },
    });
    expect(updated).toMatchObject({ status: 'received', receivedAt, refundCents: 1998, warehouseId: 1 });
    await prisma.orderReturn.delete({ where });
    expect(await prisma.orderReturnItem.count({ where: { returnId: created.id } })).toBe(0);
  },
  OrderReturnItem: async (prisma) => {
    const { product, orderReturn } = await newReturn(prisma);
    const key = { returnId: orderReturn.id, productId: product.id };
    await prisma.orderReturnItem.create({ data: { ...key, quantity: 3, unitPriceCents: 999 } });
    const where = { returnId_productId: key };
    const read = await prisma.orderReturnItem.findUniqueOrThrow({
      where,
      include: { orderReturn: true, product: true },
    });
    expect(read).toMatchObject({
      quantity: 3,
      orderReturn: { id: orderReturn.id },
      product: { id: product.id },
    });
    const updated = await prisma.orderReturnItem.update({
      where,
      data: { receivedQuantity: 2, restockQuantity: 1, refundCents: 1998 },
    });
    expect(updated).toMatchObject({ receivedQuantity: 2, restockQuantity: 1, refundCents: 1998 });
    await prisma.orderReturnItem.delete({ where });
    expect(await prisma.orderReturnItem.findUnique({ where })).toBeNull();
  },
  Restock: async (prisma) => {
    const { order, orderReturn } = await newReturn(prisma);
    await prisma.restock.create({ data: { returnId: orderReturn.id, orderId: order.id } });
    const where = { returnId: orderReturn.id };
    const read = await prisma.restock.findUniqueOrThrow({
      where,
      include: { orderReturn: true, items: true },
    });
    expect(read).toMatchObject({ orderId: order.id, orderReturn: { reason: 'Arrived dented' }, items: [] });
    const createdAt = new Date('2026-11-29T11:00:00.000Z');
    expect((await prisma.restock.update({ where, data: { createdAt } })).createdAt).toEqual(createdAt);
    await prisma.restock.delete({ where });
    expect(await prisma.restock.findUnique({ where })).toBeNull();
  },
  RestockItem: async (prisma) => {
    const { order, product, orderReturn } = await newReturn(prisma);
    await prisma.restock.create({ data: { returnId: orderReturn.id, orderId: order.id } });
    const key = { returnId: orderReturn.id, productId: product.id, warehouseId: 1 };
    await prisma.restockItem.create({ data: { ...key, quantity: 4 } });
    const where = { returnId_productId_warehouseId: key };
    const read = await prisma.restockItem.findUniqueOrThrow({
      where,
      include: { restock: true, product: true, warehouse: true },
    });
    expect(read).toMatchObject({ quantity: 4, restock: { orderId: order.id }, warehouse: { id: 1 } });
    expect((await prisma.restockItem.update({ where, data: { quantity: 1 } })).quantity).toBe(1);
    await prisma.restockItem.delete({ where });
    expect(await prisma.restockItem.findUnique({ where })).toBeNull();
  },
  IdempotentRequest: async (prisma) => {
    const where = { scope_caller_key: { scope: 'customers', caller: 'open', key: 'crud-key-2' } };
    await prisma.idempotentRequest.create({
      data: { scope: 'customers', caller: 'open', key: 'crud-key-2', requestHash: 'b'.repeat(64) },
    });
    const body = { id: 7, name: 'ünïcödé' };
    const updated = await prisma.idempotentRequest.update({
      where,
      data: { responseStatus: 201, responseBody: body },
    });
    expect(updated).toMatchObject({ responseStatus: 201, responseBody: body });
    await prisma.idempotentRequest.delete({ where });
    expect(await prisma.idempotentRequest.findUnique({ where })).toBeNull();
  },
};

describe('every model through Prisma', () => {
  let db: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    db = await createTestDatabase();
    database = openDatabase({ url: db.url, poolSize: 4, logger });
  });

  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('has a create/read/update/delete check for every model of the client', () => {
    expect(Object.keys(crud).sort()).toEqual(Object.keys(runtime.models).sort());
  });

  it.each(Object.keys(crud) as Prisma.ModelName[])(
    '%s: create, read with a relation, update, delete',
    async (model) => {
      await crud[model](database.prisma);
    },
  );
});

describe('what the database refuses, as sqlState reads it off Prisma errors', () => {
  let db: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    db = await createTestDatabase();
    database = openDatabase({ url: db.url, poolSize: 4, logger });
  });

  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('refuses a negative quantity on hand (23514)', async () => {
    const { prisma } = database;
    const product = await newProduct(prisma);
    await expectSqlState(
      prisma.inventory.create({ data: { productId: product.id, quantityOnHand: -1 } }),
      SQLSTATE.checkViolation,
    );
    await prisma.inventory.create({ data: { productId: product.id, quantityOnHand: 1 } });
    await expectSqlState(
      prisma.$executeRaw`UPDATE inventory SET quantity_on_hand = -1 WHERE product_id = ${product.id}`,
      SQLSTATE.checkViolation,
    );
  });

  it('refuses more reserved than on hand (23514)', async () => {
    const { prisma } = database;
    const product = await newProduct(prisma, { onHand: 5, reserved: 5 });
    await expectSqlState(
      prisma.inventory.update({
        where: { productId: product.id },
        data: { quantityReserved: { increment: 1 } },
      }),
      SQLSTATE.checkViolation,
    );
    await expectSqlState(
      prisma.$executeRaw`UPDATE inventory SET quantity_on_hand = 4 WHERE product_id = ${product.id}`,
      SQLSTATE.checkViolation,
    );
    expect(await prisma.inventory.findUnique({ where: { productId: product.id } })).toMatchObject({
      quantityOnHand: 5,
      quantityReserved: 5,
    });
  });

  it('refuses a second customer whose email differs only in case (23505)', async () => {
    const { prisma } = database;
    await prisma.customer.create({ data: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    await expectSqlState(
      prisma.customer.create({ data: { name: 'Ada L.', email: 'Ada@Example.COM' } }),
      SQLSTATE.uniqueViolation,
    );
    await expectSqlState(
      prisma.$executeRaw`INSERT INTO customers (name, email) VALUES ('Ada L.', 'ADA@EXAMPLE.COM')`,
      SQLSTATE.uniqueViolation,
    );
    // The same shape comes out of an interactive transaction.
    await expectSqlState(
      prisma.$transaction(async (tx) => {
        await tx.customer.create({ data: { name: 'Ada L.', email: 'ada@EXAMPLE.com' } });
      }),
      SQLSTATE.uniqueViolation,
    );
    expect(
      await prisma.customer.count({ where: { email: { equals: 'ada@example.com', mode: 'insensitive' } } }),
    ).toBe(1);
  });

  it('refuses a second live shipment for one order, but allows a new one once the first is cancelled', async () => {
    const { prisma } = database;
    const order = await newOrder(prisma);
    const first = await prisma.shipment.create({ data: shipmentData(order.id) });
    await expectSqlState(prisma.shipment.create({ data: shipmentData(order.id) }), SQLSTATE.uniqueViolation);
    const second = shipmentData(order.id);
    await expectSqlState(
      prisma.$executeRaw`INSERT INTO shipments (order_id, carrier, service_level, tracking_number, destination_line1,
          destination_city, destination_postal_code, destination_country, weight_grams, cost_cents, currency,
          estimated_delivery_date)
        VALUES (${order.id}, 'GlobePost', 'standard', ${second.trackingNumber}, '1 Main St', 'Springfield', '12345',
          'US', 500, 799, 'USD', DATE '2026-12-01')`,
      SQLSTATE.uniqueViolation,
    );
    await prisma.shipment.update({ where: { id: first.id }, data: { status: 'cancelled' } });
    const replacement = await prisma.shipment.create({ data: shipmentData(order.id) });
    expect(replacement).toMatchObject({ orderId: order.id, status: 'label_created' });
    expect(await prisma.shipment.count({ where: { orderId: order.id } })).toBe(2);
  });

  it('refuses an order status outside the six it knows (23514)', async () => {
    const { prisma } = database;
    const order = await newOrder(prisma);
    await expectSqlState(
      prisma.order.update({ where: { id: order.id }, data: { status: 'lost' } }),
      SQLSTATE.checkViolation,
    );
    await expectSqlState(
      prisma.$executeRaw`UPDATE orders SET status = 'lost' WHERE id = ${order.id}`,
      SQLSTATE.checkViolation,
    );
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('pending');
  });

  it('refuses an order for a customer that does not exist (23503)', async () => {
    const { prisma } = database;
    await expectSqlState(
      prisma.order.create({ data: { customerId: 999_999, totalCents: 0, currency: 'USD', ...address } }),
      SQLSTATE.foreignKeyViolation,
    );
  });
});

describe('the sample data', () => {
  let db: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    db = await createTestDatabase();
    database = openDatabase({ url: db.url, poolSize: 4, logger });
  });

  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

  it('loads once through migrate and covers the cases the examples rely on', async () => {
    expect(await migrate({ databaseUrl: db.url, logger, sampleData: true })).toEqual({
      applied: ['sample-data'],
    });

    expect(await count('SELECT count(*) AS n FROM customers')).toBeGreaterThanOrEqual(12);
    expect(await count('SELECT count(DISTINCT address_country) AS n FROM customers')).toBeGreaterThanOrEqual(
      6,
    );
    expect(await count('SELECT count(*) AS n FROM products')).toBe(25);
    expect(
      await count(
        'SELECT count(*) AS n FROM products p LEFT JOIN inventory i ON i.product_id = p.id WHERE i.product_id IS NULL',
      ),
    ).toBe(0);
    const statuses = await db.query<{ status: string }>('SELECT DISTINCT status FROM orders ORDER BY status');
    expect(statuses.rows.map((r) => r.status)).toEqual([
      'cancelled',
      'confirmed',
      'delivered',
      'failed',
      'pending',
      'shipped',
    ]);
  });

  it('holds exactly the stock its live reservations hold, for every product', async () => {
    const mismatches = await db.query(
      `SELECT p.id, i.quantity_reserved, coalesce(held.quantity, 0) AS held
         FROM products p
         JOIN inventory i ON i.product_id = p.id
         LEFT JOIN (SELECT ri.product_id, sum(ri.quantity)::int AS quantity
                      FROM reservation_items ri JOIN reservations r USING (order_id)
                     WHERE r.status = 'reserved'
                     GROUP BY ri.product_id) held ON held.product_id = p.id
        WHERE i.quantity_reserved <> coalesce(held.quantity, 0)`,
    );
    expect(mismatches.rows).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM reservations WHERE status = 'reserved'`)).toBeGreaterThan(
      0,
    );
  });

  it('reads back whole through Prisma, every row of every model', async () => {
    const { prisma } = database;
    const tables: Record<Prisma.ModelName, () => Promise<unknown[]>> = {
      Customer: () => prisma.customer.findMany({ include: { orders: true } }),
      Product: () => prisma.product.findMany({ include: { inventory: true } }),
      Inventory: () => prisma.inventory.findMany(),
      InventoryAdjustment: () => prisma.inventoryAdjustment.findMany(),
      Warehouse: () => prisma.warehouse.findMany({ include: { stock: true } }),
      WarehouseStock: () => prisma.warehouseStock.findMany(),
      StockTransfer: () => prisma.stockTransfer.findMany(),
      ReservationAllocation: () => prisma.reservationAllocation.findMany({ include: { warehouse: true } }),
      Order: () =>
        prisma.order.findMany({ include: { items: true, statusHistory: true, reservation: true } }),
      OrderItem: () => prisma.orderItem.findMany(),
      OrderItemAllocation: () => prisma.orderItemAllocation.findMany({ include: { warehouse: true } }),
      OrderStatusHistory: () => prisma.orderStatusHistory.findMany(),
      Reservation: () => prisma.reservation.findMany({ include: { items: true } }),
      ReservationItem: () => prisma.reservationItem.findMany(),
      Shipment: () => prisma.shipment.findMany({ include: { reports: true } }),
      ShipmentReport: () => prisma.shipmentReport.findMany(),
      IdempotencyKey: () => prisma.idempotencyKey.findMany(),
      IdempotentRequest: () => prisma.idempotentRequest.findMany(),
      WebhookEndpoint: () => prisma.webhookEndpoint.findMany(),
      WebhookEvent: () => prisma.webhookEvent.findMany(),
      WebhookDelivery: () => prisma.webhookDelivery.findMany(),
      OrderReturn: () => prisma.orderReturn.findMany({ include: { items: true } }),
      OrderReturnItem: () => prisma.orderReturnItem.findMany(),
      Restock: () => prisma.restock.findMany({ include: { items: true } }),
      RestockItem: () => prisma.restockItem.findMany(),
    };
    for (const [model, findAll] of Object.entries(tables)) {
      const table = runtime.models[model]!.dbName!;
      expect({ model, rows: (await findAll()).length }).toEqual({
        model,
        rows: await count(`SELECT count(*) AS n FROM ${table}`),
      });
    }
    // The new-row sequences continue after the sample ids.
    const customer = await newCustomer(prisma);
    expect(customer.id).toBeGreaterThan(14);
  });
});
