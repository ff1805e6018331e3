import { useEffect, useState } from "react";
import type { BalanceResponse, LedgerEntry, SignedMoney } from "../../../shared/balance.js";
import { formatMoney } from "../../../shared/money.js";
import { api } from "../api/http.js";
import { Link } from "../state/router.js";
import { chatTime } from "../state/time.js";

const KIND_WORDS: Record<LedgerEntry["kind"], Record<LedgerEntry["bucket"], string>> = {
  sale: { pending: "Sale, pending until the buyer has it", available: "Sale" },
  release: { pending: "Order completed: out of pending", available: "Order completed: available" },
  refund: { pending: "Refunded to the buyer", available: "Refunded to the buyer" },
};

/** Each currency's amount; nothing in the bucket reads as zero in the seller's latest currency. */
const amounts = (list: SignedMoney[], currency: SignedMoney["currency"]) =>
  list.length > 0
    ? list.map((money) => formatMoney(money)).join(" · ")
    : formatMoney({ amount: 0, currency });

/**
 * What the seller's sales hold: pending while orders run, available once completed (after the
 * marketplace's fee), with the ledger's latest entries. Payouts to a bank are not part of Parley yet.
 */
export function SellerBalance() {
  const [data, setData] = useState<BalanceResponse | null>(null);
  useEffect(() => {
    api.balance().then(setData, () => setData(null));
  }, []);
  if (!data) return null;
  const { balance, entries } = data;
  const currency = entries[0]?.amount.currency ?? "usd";
  return (
    <section className="card balance" aria-labelledby="balance-title">
      <h2 id="balance-title" className="balance-title">
        Balance
      </h2>
      <dl className="balance-figures">
        <div>
          <dt>Pending</dt>
          <dd data-testid="balance-pending">{amounts(balance.pending, currency)}</dd>
        </div>
        <div>
          <dt>Available</dt>
          <dd data-testid="balance-available">{amounts(balance.available, currency)}</dd>
        </div>
      </dl>
      <p className="muted small">
        A sale is pending until the buyer confirms it arrived (or the order completes by itself), then it is
        available. Payouts to your bank are not part of Parley yet.
      </p>
      {entries.length > 0 && (
        <details>
          <summary>Entries</summary>
          <ul className="ledger">
            {entries.map((entry) => (
              <li key={entry.id}>
                <span className="ledger-what">
                  <Link href={`/deals/${entry.dealId}`}>{entry.item.title}</Link>
                  <span className="muted small">
                    {KIND_WORDS[entry.kind][entry.bucket]}
                    {entry.fee.amount > 0 ? ` · fee ${formatMoney(entry.fee)}` : ""} ·{" "}
                    {chatTime(entry.createdAt)}
                  </span>
                </span>
                <span className={entry.amount.amount < 0 ? "ledger-amount negative" : "ledger-amount"}>
                  {entry.amount.amount > 0 ? "+" : ""}
                  {formatMoney(entry.amount)} <span className="muted small">{entry.bucket}</span>
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
