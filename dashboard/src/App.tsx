// The page: the morning checks of an operations lead, refreshed on their own,
// behind an API key when the graph asks for one.
import { ApolloProvider, useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { type AccessProblem, createClient, GRAPHQL_URL } from './client.ts';
import { FailedOrders } from './FailedOrders.tsx';
import { KeyGate } from './KeyGate.tsx';
import { forgetKey, storedKey, storeKey } from './key.ts';
import { LowStock } from './LowStock.tsx';
import { OrderDrawer } from './OrderDrawer.tsx';
import { QueryState } from './Panel.tsx';
import { REFRESH_MS } from './paging.ts';
import { ACCESS_CHECK } from './queries.ts';
import { Shipments } from './Shipments.tsx';
import { StatusChart } from './StatusChart.tsx';

const ORDER_HASH = /^#order-(\d+)$/;

const orderInHash = () => ORDER_HASH.exec(window.location.hash)?.[1] ?? null;

/** The order open in the drawer, kept in the URL (#order-12) so it can be linked. */
function useOrderInHash(): [string | null, (id: string | null) => void] {
  const [id, setId] = useState(orderInHash);
  useEffect(() => {
    const onChange = () => setId(orderInHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const open = (next: string | null) => {
    if (next) window.location.hash = `order-${next}`;
    else history.replaceState(null, '', window.location.pathname + window.location.search);
    setId(next);
  };
  return [id, open];
}

export function App() {
  const [problem, setProblem] = useState<AccessProblem | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [orderId, openOrder] = useOrderInHash();
  const [find, setFind] = useState('');
  const client = useMemo(() => createClient(setProblem), []);
  const onUpdated = useCallback(() => setUpdatedAt(new Date()), []);

  // The panels are not mounted while a key is asked for: nothing is in flight to abort.
  const enterKey = (key: string) => {
    storeKey(key);
    void client.clearStore().then(() => setProblem(null));
  };
  const signOut = () => {
    forgetKey();
    setProblem('unauthenticated');
    void client.clearStore();
  };

  return (
    <ApolloProvider client={client}>
      <header className="top">
        <div>
          <h1>Operations · CRM supply chain</h1>
          <p className="muted">
            Live from <span className="mono">{GRAPHQL_URL}</span> · refreshes every {REFRESH_MS / 1000} s
            {updatedAt && ` · updated ${updatedAt.toLocaleTimeString('en-GB')}`}
          </p>
        </div>
        <form
          className="find"
          onSubmit={(event) => {
            event.preventDefault();
            if (/^\d+$/.test(find)) openOrder(find);
          }}
        >
          <input
            aria-label="Order number"
            placeholder="Order #"
            inputMode="numeric"
            value={find}
            onChange={(event) => setFind(event.target.value)}
          />
          <button type="submit">Open</button>
          <button type="button" onClick={() => void client.refetchQueries({ include: 'active' })}>
            Refresh
          </button>
          {storedKey() && (
            <button type="button" onClick={signOut}>
              Forget key
            </button>
          )}
        </form>
      </header>
      {problem ? (
        <main className="gate">
          <KeyGate problem={problem} onKey={enterKey} />
        </main>
      ) : (
        <Panels onUpdated={onUpdated} />
      )}
      {orderId && !problem && <OrderDrawer id={orderId} onClose={() => openOrder(null)} />}
    </ApolloProvider>
  );
}

/** The panels, once the graph has answered one question: a key it refuses is asked for once, not per panel. */
function Panels({ onUpdated }: { onUpdated: () => void }) {
  const { data, loading, error, refetch } = useQuery(ACCESS_CHECK);
  return (
    <main className="grid">
      {data ? (
        <>
          <StatusChart onUpdated={onUpdated} />
          <LowStock />
          <Shipments status="EXCEPTION" />
          <FailedOrders />
          <Shipments status="IN_TRANSIT" />
        </>
      ) : (
        <QueryState
          loading={loading}
          error={error}
          empty={false}
          emptyText=""
          what="the graph"
          retry={refetch}
        >
          {null}
        </QueryState>
      )}
    </main>
  );
}
