// Orders that failed, with why: what the operations lead follows up.
import { dateTime, money } from './format.ts';
import { OrderRow, Pager, Panel, QueryState } from './Panel.tsx';
import { usePagedQuery } from './paging.ts';
import { FAILED_ORDERS } from './queries.ts';

const PAGE_SIZE = 6;

export function FailedOrders() {
  const {
    rows: orders,
    state,
    pager,
  } = usePagedQuery(FAILED_ORDERS, {
    variables: {},
    first: PAGE_SIZE,
    list: (data) => data.orders,
  });
  return (
    <Panel
      title="Failed orders"
      subtitle="Nothing was reserved for these"
      testId="failed-orders"
      className="wide"
    >
      <QueryState {...state} empty={orders.length === 0} emptyText="No failed orders." what="failed orders">
        <ul className="rows">
          {orders.map((order) => (
            <OrderRow key={order.id} orderId={order.id}>
              <span className="row-detail">
                {order.customer.name} · {money(order.totalCents, order.currency)} ·{' '}
                {dateTime(order.createdAt)}
              </span>
              <span className="row-reason" data-field="reason">
                {order.failureReason ?? 'No reason recorded'}
              </span>
            </OrderRow>
          ))}
        </ul>
        <Pager {...pager} />
      </QueryState>
    </Panel>
  );
}
