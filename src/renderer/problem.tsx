import type { ServiceFailure } from '../../packages/peer/src/service/protocol.js';

/** A service error in words, announced to screen readers; never a stack trace. */
export function Problem({ error }: { error: ServiceFailure }) {
  return <div role="alert" className="problem">{error.message}</div>;
}

export function Amounts({ amounts }: { amounts: readonly string[] }) {
  return <>{amounts.length === 0 ? '0' : amounts.map((amount) => <div key={amount}>{amount}</div>)}</>;
}
