/**
 * A processor's report about a charge, in our words. The Stripe webhook route turns verified Stripe
 * events into these, so the service never reads Stripe's shapes.
 */
export type ProcessorEvent =
  | {
      /** The processor's event id: the same event delivered again is recognised by it. */
      id: string;
      type: "succeeded" | "failed" | "processing" | "canceled";
      ref: string;
      /** Our payment id from the charge's metadata, in case the charge's ref is not stored yet. */
      paymentId: string | null;
      failureCode: string | null;
    }
  | {
      id: string;
      type: "refunded";
      ref: string;
      paymentId: string | null;
      refundRef: string;
      /** How much of the charge is refunded in all, in its minor units; null if the processor did not say. */
      amountRefunded: number | null;
    };
