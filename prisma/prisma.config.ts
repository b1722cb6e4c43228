// Configuration of the Prisma CLI (Prisma 7 keeps the connection URL here,
// not in the schema). `prisma generate` needs no database, so the URL only
// falls back to a local default when DATABASE_URL is unset.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/crm_supply_db',
  },
});
