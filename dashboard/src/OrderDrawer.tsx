// One order in full: its items, its shipment and every status it has had.
import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { dateTime, day, money, statusLabel } from './format.ts';
import { QueryState } from './Panel.tsx';
import { ORDER, type OrderDetail } from './queries.ts';

export function OrderDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { data, loading, error, refetch } = useQuery(ORDER, { variables: { id } });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <>
      <button type="button" className="drawer-backdrop" aria-label="Close the order" onClick={onClose} />
      <aside className="drawer" aria-label={`Order ${id}`} data-testid="order-drawer">
        <header className="drawer-header">
          <h2>Order #{id}</h2>
          <button type="button" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <QueryState
          loading={loading && !data}
          error={error}
          empty={data?.order === null}
          emptyText={`There is no order #${id}. Check the number and try again.`}
          what={`order #${id}`}
          retry={refetch}
        >
          {data?.order && <OrderBody order={data.order} />}
        </QueryState>
      </aside>
    </>
  );
}

function OrderBody({ order }: { order: OrderDetail }) {
  const address = order.shippingAddress;
  return (
    <div className="drawer-body">
      <p>
        <span className={`badge status-${order.status}`} data-field="status">
          {statusLabel(order.status)}
        </span>{' '}
        {order.customer.name} ({order.customer.email}) · {statusLabel(order.serviceLevel)} ·{' '}
        {dateTime(order.createdAt)}
      </p>
      {order.failureReason && <p className="row-reason">{order.failureReason}</p>}
      <p className="muted">
        Ships to {address.line1}, {address.postalCode} {address.city}, {address.country}
      </p>
      <h3>Items</h3>
      <table data-testid="order-items">
        <thead>
          <tr>
            <th>SKU</th>
            <th>Product</th>
            <th className="num">Qty</th>
            <th className="num">Unit</th>
            <th className="num">Total</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((item) => (
            <tr key={item.product.sku} data-sku={item.product.sku}>
              <td className="mono">{item.product.sku}</td>
              <td>{item.product.name}</td>
              <td className="num" data-field="quantity">
                {item.quantity}
              </td>
              <td className="num">{money(item.unitPriceCents, order.currency)}</td>
              <td className="num">{money(item.lineTotalCents, order.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={4}>Order total</td>
            <td className="num strong">{money(order.totalCents, order.currency)}</td>
          </tr>
        </tfoot>
      </table>
      <h3>Shipment</h3>
      {order.shipment ? (
        <p data-testid="order-shipment">
          <span className={`badge shipment-${order.shipment.status}`}>
            {statusLabel(order.shipment.status)}
          </span>{' '}
          {order.shipment.carrier} · <span className="mono">{order.shipment.trackingNumber}</span> · due{' '}
          {day(order.shipment.estimatedDeliveryDate)}
        </p>
      ) : (
        <p className="muted" data-testid="order-shipment">
          No shipment was booked for this order.
        </p>
      )}
      <h3>History</h3>
      <ol className="history" data-testid="order-history">
        {order.history.map((change) => (
          <li key={`${change.at}-${change.to}`} data-to={change.to}>
            <span className="strong">{statusLabel(change.to)}</span>{' '}
            <span className="muted">{dateTime(change.at)}</span>
            {change.reason && <span className="muted"> · {change.reason}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
