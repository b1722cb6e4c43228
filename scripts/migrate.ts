// npm run migrate [-- --sample-data]: applies the schema and pending
// migrations to DATABASE_URL's database (or the embedded one), then stops.
import { prepareDatabase } from './database.ts';

const log = { info: (message: string) => console.warn(`migrate: ${message}`) };
const db = await prepareDatabase({ sampleData: process.argv.includes('--sample-data'), log });
log.info(`${new URL(db.url).pathname.slice(1)} is up to date`);
await db.stop();
