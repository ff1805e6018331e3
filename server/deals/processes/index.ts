import type { ProcessName } from "../../../shared/deals.js";
import type { Process } from "../process.js";
import { auction } from "./auction.js";
import { buyNow } from "./buy-now.js";
import { offer } from "./offer.js";

/** Every process the engine runs. A new process is a new file here (offers, auctions come next). */
export const PROCESSES: Partial<Record<ProcessName, Process>> = {
  "buy-now": buyNow,
  offer,
  auction,
};
