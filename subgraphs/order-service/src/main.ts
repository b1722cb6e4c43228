import { runService } from '@supply/service-kit/service';
import { buildApp } from './app.ts';

await runService({ name: 'order-service', defaultPort: 6000, build: (deps) => buildApp(deps) });
