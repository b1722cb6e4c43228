// A card on the dashboard, and what it shows while loading, on an error and
// when there is nothing to show: each says what to do next.
import type { ReactNode } from 'react';
import { accessProblem } from './client.ts';

interface PanelProps {
  title: string;
  subtitle?: string;
  testId: string;
  className?: string;
  children: ReactNode;
}

export function Panel({ title, subtitle, testId, className, children }: PanelProps) {
  return (
    <section className={`panel ${className ?? ''}`} data-testid={testId} aria-label={title}>
      <header className="panel-header">
        <h2>{title}</h2>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </header>
      {children}
    </section>
  );
}

interface StateProps {
  loading: boolean;
  error: unknown;
  empty: boolean;
  emptyText: string;
  what: string;
  retry: () => unknown;
  children: ReactNode;
}

/** The panel's body, or the state it is in. */
export function QueryState({ loading, error, empty, emptyText, what, retry, children }: StateProps) {
  if (error) {
    const problem = accessProblem(error);
    return (
      <div className="state state-error" role="alert">
        {problem === 'forbidden' ? (
          <p>This key may not read {what} (403). Ask for a key with the reader role.</p>
        ) : problem === 'unauthenticated' ? (
          <p>The graph asks for an API key (401). Enter one above.</p>
        ) : (
          <p>
            Could not load {what}: {error instanceof Error ? error.message : String(error)}. Check that the
            gateway and the four services are running (<code>npm start</code>), then retry.
          </p>
        )}
        <button type="button" onClick={() => void retry()}>
          Retry
        </button>
      </div>
    );
  }
  if (loading) return <p className="state state-loading">Loading {what}…</p>;
  if (empty) return <p className="state state-empty">{emptyText}</p>;
  return <>{children}</>;
}

interface PagerProps {
  page: number;
  hasNextPage: boolean;
  next: () => void;
  previous: (() => void) | undefined;
}

export function Pager({ page, hasNextPage, next, previous }: PagerProps) {
  if (page === 1 && !hasNextPage) return null;
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" onClick={previous} disabled={!previous}>
        ← Previous
      </button>
      <span>Page {page}</span>
      <button type="button" onClick={next} disabled={!hasNextPage}>
        Next →
      </button>
    </nav>
  );
}

/** A row that names an order and opens it in the drawer. */
export function OrderRow({ orderId, children }: { orderId: string; children: ReactNode }) {
  return (
    <li data-order={orderId}>
      <a href={`#order-${orderId}`} className="row-main">
        Order #{orderId}
      </a>
      {children}
    </li>
  );
}
