// Products at or below their reorder point in some warehouse: their total
// stock, and each warehouse's available stock against its reorder point, the
// low ones marked.
import { Pager, Panel, QueryState } from './Panel.tsx';
import { usePagedQuery } from './paging.ts';
import { LOW_STOCK, type LowStockProduct, type StockLevel, type WarehouseStock } from './queries.ts';

const PAGE_SIZE = 8;

interface StockColumnSet {
  heading: string;
  stock: (product: LowStockProduct) => StockLevel;
}

/** The totals over every warehouse. */
function stockColumnSets(): StockColumnSet[] {
  return [{ heading: 'Stock, all warehouses', stock: (product) => product.inventory }];
}

/** Each warehouse's available stock and reorder point; the low ones are what to reorder. */
function ByWarehouse({ stock }: { stock: WarehouseStock[] }) {
  return (
    <ul className="by-warehouse" data-field="by-warehouse">
      {stock.map((level) => (
        <li
          key={level.warehouse.id}
          className={level.lowStock ? 'low' : ''}
          data-code={level.warehouse.code}
          title={`${level.warehouse.code}: ${level.quantityAvailable} available, reorder at ${level.reorderPoint}${level.lowStock ? ' (low)' : ''}`}
        >
          <span className="mono">{level.warehouse.code}</span> {level.quantityAvailable}/{level.reorderPoint}
        </li>
      ))}
    </ul>
  );
}

function StockBar({ stock }: { stock: StockLevel }) {
  // The bar spans twice the reorder point, so the marker sits in the middle.
  const scale = Math.max(stock.reorderPoint * 2, stock.quantityAvailable, 1);
  const available = Math.max(0, stock.quantityAvailable) / scale;
  const out = stock.quantityAvailable <= 0;
  return (
    <div
      className="stock-bar"
      title={`${stock.quantityAvailable} available, reorder at ${stock.reorderPoint}`}
    >
      <div className={`stock-fill ${out ? 'out' : ''}`} style={{ width: `${available * 100}%` }} />
      <div className="stock-marker" style={{ left: `${(stock.reorderPoint / scale) * 100}%` }} />
    </div>
  );
}

export function LowStock() {
  const {
    rows: products,
    state,
    pager,
  } = usePagedQuery(LOW_STOCK, {
    variables: {},
    first: PAGE_SIZE,
    list: (data) => data.products,
  });
  const sets = stockColumnSets();
  return (
    <Panel
      title="Low stock"
      subtitle="Available at or below the reorder point"
      testId="low-stock"
      className="wide"
    >
      <QueryState
        {...state}
        empty={products.length === 0}
        emptyText="Every product is above its reorder point: nothing to reorder."
        what="low stock"
      >
        <table>
          <thead>
            <tr>
              <th rowSpan={2}>SKU</th>
              <th rowSpan={2}>Product</th>
              {sets.map((set) => (
                <th key={set.heading} colSpan={5} className="group">
                  {set.heading}
                </th>
              ))}
              <th rowSpan={2} title="Available / reorder point in each warehouse; low ones marked">
                By warehouse
              </th>
            </tr>
            <tr>
              {sets.map((set) => [
                <th key={`${set.heading}-onhand`} className="num">
                  On hand
                </th>,
                <th key={`${set.heading}-reserved`} className="num">
                  Reserved
                </th>,
                <th key={`${set.heading}-available`} className="num">
                  Available
                </th>,
                <th key={`${set.heading}-reorder`} className="num">
                  Reorder at
                </th>,
                <th key={`${set.heading}-bar`}>Available vs reorder point</th>,
              ])}
            </tr>
          </thead>
          <tbody>
            {products.map((product) => (
              <tr key={product.id} data-sku={product.sku}>
                <td className="mono">{product.sku}</td>
                <td>{product.name}</td>
                {sets.map((set) => {
                  const stock = set.stock(product);
                  return [
                    <td key={`${set.heading}-onhand`} className="num">
                      {stock.quantityOnHand}
                    </td>,
                    <td key={`${set.heading}-reserved`} className="num">
                      {stock.quantityReserved}
                    </td>,
                    <td key={`${set.heading}-available`} className="num strong" data-field="available">
                      {stock.quantityAvailable}
                    </td>,
                    <td key={`${set.heading}-reorder`} className="num">
                      {stock.reorderPoint}
                    </td>,
                    <td key={`${set.heading}-bar`}>
                      <StockBar stock={stock} />
                    </td>,
                  ];
                })}
                <td>
                  <ByWarehouse stock={product.inventory.byWarehouse} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager {...pager} />
      </QueryState>
    </Panel>
  );
}
