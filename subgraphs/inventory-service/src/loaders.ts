// Per-request DataLoaders: N entity references cost one query.
import { batched } from '@supply/service-kit/limits';
import DataLoader from 'dataloader';
import type { ProductWithTotals, WarehouseLevel } from './inventory.ts';
import type { ProductsDomain } from './products.ts';
import type { Warehouse, WarehousesDomain } from './warehouses.ts';

export function createLoaders(products: ProductsDomain, warehouses: WarehousesDomain) {
  return {
    // Each product arrives with its totals, so Product.inventory costs nothing more.
    product: new DataLoader<number, ProductWithTotals | null>((ids) => products.getMany(ids), batched),
    // Stock per warehouse is read only when a selected field (StockLevel.byWarehouse) asks for it.
    warehouseLevels: new DataLoader<number, WarehouseLevel[]>(
      (ids) => products.warehouseLevels(ids),
      batched,
    ),
    warehouse: new DataLoader<number, Warehouse | null>((ids) => warehouses.getMany(ids), batched),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
