// Orders by status as bars, and the shipments to watch as two big numbers:
// counts are the point here, so they are drawn, not listed.
import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { countLabel, statusLabel } from './format.ts';
import { Panel, QueryState } from './Panel.tsx';
import { REFRESH_MS } from './paging.ts';
import { COUNT_LIMIT, COUNTS, countIn, ORDER_STATUSES, WATCHED_SHIPMENTS } from './queries.ts';

const BAR_HEIGHT = 26;
const GAP = 10;
const LABEL_WIDTH = 92;
const CHART_WIDTH = 520;

export function StatusChart({ onUpdated }: { onUpdated: () => void }) {
  const { data, loading, error, refetch } = useQuery(COUNTS, { pollInterval: REFRESH_MS });
  useEffect(() => {
    if (data) onUpdated();
  }, [data, onUpdated]);
  const orders = ORDER_STATUSES.map((status) => ({
    status,
    ...(countIn(data, 'orders', status) ?? { count: 0, more: false }),
  }));
  const total = orders.reduce((sum, row) => sum + row.count, 0);
  const largest = Math.max(1, ...orders.map((row) => row.count));
  const barRoom = CHART_WIDTH - LABEL_WIDTH - 48;
  return (
    <>
      <Panel
        title="Orders by status"
        subtitle={`${total} orders; each bar counts up to ${COUNT_LIMIT}`}
        testId="orders-by-status"
        className="wide"
      >
        <QueryState
          loading={loading && !data}
          error={error}
          empty={total === 0}
          emptyText="No orders yet. Orders placed through the graph or POST /orders appear here."
          what="order counts"
          retry={refetch}
        >
          <svg
            className="chart"
            viewBox={`0 0 ${CHART_WIDTH} ${orders.length * (BAR_HEIGHT + GAP)}`}
            role="img"
            aria-label="Orders by status"
          >
            {orders.map((row, i) => {
              const y = i * (BAR_HEIGHT + GAP);
              const width = Math.max(2, (row.count / largest) * barRoom);
              return (
                <g key={row.status} data-status={row.status} data-count={row.count}>
                  <text x={LABEL_WIDTH - 10} y={y + BAR_HEIGHT / 2} className="bar-label">
                    {statusLabel(row.status)}
                  </text>
                  <rect
                    x={LABEL_WIDTH}
                    y={y}
                    width={width}
                    height={BAR_HEIGHT}
                    rx={4}
                    className={`bar status-${row.status}`}
                  />
                  <text x={LABEL_WIDTH + width + 8} y={y + BAR_HEIGHT / 2} className="bar-value">
                    {countLabel(row)}
                  </text>
                </g>
              );
            })}
          </svg>
        </QueryState>
      </Panel>
      <Panel title="Shipments to watch" testId="shipment-counts">
        <QueryState
          loading={loading && !data}
          error={error}
          empty={false}
          emptyText=""
          what="shipment counts"
          retry={refetch}
        >
          <div className="tiles">
            {WATCHED_SHIPMENTS.map((status) => {
              const count = countIn(data, 'shipments', status) ?? { count: 0, more: false };
              return (
                <a
                  key={status}
                  href={`#shipments-${status}`}
                  className={`tile tile-${status}`}
                  data-status={status}
                  data-count={count.count}
                >
                  <span className="tile-number">{countLabel(count)}</span>
                  <span className="tile-label">{statusLabel(status)}</span>
                </a>
              );
            })}
          </div>
        </QueryState>
      </Panel>
    </>
  );
}
