// Per-request DataLoaders: N entity references cost one query.
import { batched } from '@supply/service-kit/limits';
import DataLoader from 'dataloader';
import type { Product } from './inventory.ts';
import type { ProductsDomain } from './products.ts';
import type { Warehouse, WarehousesDomain } from './warehouses.ts';

export function createLoaders(products: ProductsDomain, warehouses: WarehousesDomain) {
  return {
    // Each product arrives with its stock level per warehouse, so Product.inventory costs nothing more.
    product: new DataLoader<number, Product | null>((ids) => products.getMany(ids), batched),
    warehouse: new DataLoader<number, Warehouse | null>((ids) => warehouses.getMany(ids), batched),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
