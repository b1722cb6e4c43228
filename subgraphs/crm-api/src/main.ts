import { runService } from '@supply/service-kit/service';
import { buildApp } from './app.ts';

await runService({ name: 'crm-api', defaultPort: 3000, build: buildApp });
