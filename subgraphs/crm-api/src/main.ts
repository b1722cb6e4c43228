import { runService } from '@supply/service-kit/service';
import { buildApp } from './app.ts';

await runService({ name: 'crm-api', build: buildApp });
