// Per-request DataLoaders: N entity references cost one query.
import { batched } from '@supply/service-kit/limits';
import DataLoader from 'dataloader';
import type { Customer, CustomersDomain } from './customers.ts';

export function createLoaders(customers: CustomersDomain) {
  return {
    customer: new DataLoader<number, Customer | null>((ids) => customers.getMany(ids), batched),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
