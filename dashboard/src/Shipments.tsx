// Shipments on their way, and those held up, each linking to its order.
import { day } from './format.ts';
import { OrderRow, Pager, Panel, QueryState } from './Panel.tsx';
import { usePagedQuery } from './paging.ts';
import { SHIPMENTS, type ShipmentStatus } from './queries.ts';

const PAGE_SIZE = 6;

const TITLE: Record<ShipmentStatus, string> = {
  IN_TRANSIT: 'Shipments in transit',
  EXCEPTION: 'Shipments held up (exception)',
};

const EMPTY: Record<ShipmentStatus, string> = {
  IN_TRANSIT: 'No shipment is on its way right now.',
  EXCEPTION: 'No shipment is held up: nothing to chase with a carrier.',
};

export function Shipments({ status }: { status: ShipmentStatus }) {
  const {
    rows: shipments,
    state,
    pager,
  } = usePagedQuery(SHIPMENTS, {
    variables: { status },
    first: PAGE_SIZE,
    list: (data) => data.shipments,
  });
  return (
    <Panel
      title={TITLE[status]}
      testId={`shipments-${status}`}
      className={status === 'EXCEPTION' ? 'alert' : undefined}
    >
      <span id={`shipments-${status}`} />
      <QueryState {...state} empty={shipments.length === 0} emptyText={EMPTY[status]} what="shipments">
        <ul className="rows">
          {shipments.map((shipment) => (
            <OrderRow key={shipment.id} orderId={shipment.orderId}>
              <span className="row-detail">
                {shipment.carrier} · <span className="mono">{shipment.trackingNumber}</span>
              </span>
              <span className="row-detail">
                to {shipment.destination.city}, {shipment.destination.country} · due{' '}
                {day(shipment.estimatedDeliveryDate)}
              </span>
            </OrderRow>
          ))}
        </ul>
        <Pager {...pager} />
      </QueryState>
    </Panel>
  );
}
