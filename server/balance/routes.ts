import { Router } from "express";
import { type BalanceResponse, ZBalanceQuery } from "../../shared/balance.js";
import { parseOrThrow } from "../../shared/errors.js";
import type { Db } from "../db/db.js";
import { requireUser } from "../http/authenticate.js";
import { listLedgerEntries, sellerBalance } from "./store.js";

/**
 * The signed-in user's seller balance: what their sales hold, pending while orders run and available
 * once completed. Payouts to a bank are outside Parley (docs/PAYMENTS.md): this is what they would pay.
 */
export function balanceRoutes(db: Db): Router {
  const router = Router();

  router.get("/me/balance", async (req, res) => {
    const user = requireUser(req);
    const query = parseOrThrow(ZBalanceQuery, req.query, "query");
    const [balance, page] = await Promise.all([
      sellerBalance(db, user.id),
      listLedgerEntries(db, user.id, query),
    ]);
    res.json({ balance, ...page } satisfies BalanceResponse);
  });

  return router;
}
