// Products at or below their reorder point, with their stock. Stock is shown
// as column sets, one per place that holds it: today the graph has one stock
// level per product; per-warehouse levels become one more set each.
import { Pager, Panel, QueryState } from './Panel.tsx';
import { usePagedQuery } from './paging.ts';
import { LOW_STOCK, type LowStockProduct, type StockLevel } from './queries.ts';

const PAGE_SIZE = 8;

interface StockColumnSet {
  heading: string;
  stock: (product: LowStockProduct) => StockLevel;
}

/** The places stock is held, as the graph tells them. */
function stockColumnSets(): StockColumnSet[] {
  return [{ heading: 'Stock', stock: (product) => product.inventory }];
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
              </tr>
            ))}
          </tbody>
        </table>
        <Pager {...pager} />
      </QueryState>
    </Panel>
  );
}
