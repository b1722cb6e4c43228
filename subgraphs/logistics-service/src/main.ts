import { runService } from '@supply/service-kit/service';
import { buildApp } from './app.ts';

await runService({ name: 'logistics-service', build: buildApp });
