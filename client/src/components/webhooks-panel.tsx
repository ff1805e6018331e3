import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import type { WebhookDelivery, WebhookEndpoint } from "../../../shared/integrations.js";
import { ApiRequestError, api } from "../api/http.js";
import { describeError } from "../state/moderation.js";
import { dateTime } from "../state/time.js";
import { errorsByField, Field } from "./field.js";

const STATUS_WORDS: Record<WebhookDelivery["status"], string> = {
  pending: "Pending",
  succeeded: "Delivered",
  failed: "Gave up",
};

/** What became of a delivery, in a line: the last answer or error, and the next try. */
function outcome(delivery: WebhookDelivery): string {
  const answer =
    delivery.lastStatus !== null ? `HTTP ${delivery.lastStatus}` : (delivery.lastError ?? "not tried yet");
  const tries = `${delivery.attempts} ${delivery.attempts === 1 ? "attempt" : "attempts"}`;
  const next = delivery.nextAttemptAt ? `, next ${dateTime(delivery.nextAttemptAt)}` : "";
  return `${tries}: ${answer}${next}`;
}

/** One endpoint: its state, its latest deliveries with "Resend", enable and delete. */
function EndpointCard({ endpoint, onChanged }: { endpoint: WebhookEndpoint; onChanged: () => void }) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const load = useCallback(async () => {
    try {
      setDeliveries((await api.webhookDeliveries(endpoint.id)).deliveries);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [endpoint.id]);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError(null);
      onChanged();
      await load();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <li className="card webhook-endpoint">
      <div className="webhook-head">
        <div className="webhook-title">
          <code className="webhook-url">{endpoint.url}</code>
          <span className="muted small">
            {endpoint.types.join(", ")} · since {dateTime(endpoint.createdAt)}
          </span>
        </div>
        {endpoint.disabledAt ? (
          <span className="action-tag action-suspend">Disabled</span>
        ) : (
          <span className="action-tag action-reinstate">Active</span>
        )}
      </div>
      {endpoint.disabledAt && (
        <p className="webhook-disabled small">
          Disabled {dateTime(endpoint.disabledAt)}: {endpoint.disabledReason}.{" "}
          <button
            type="button"
            className="button small"
            onClick={() => void act(() => api.enableWebhookEndpoint(endpoint.id))}
          >
            Enable again
          </button>
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <h3 className="webhook-subhead">Recent deliveries</h3>
      {deliveries === null ? (
        <p className="muted small" role="status">
          Loading deliveries…
        </p>
      ) : deliveries.length === 0 ? (
        <p className="muted small">Nothing sent yet: events of these types will be posted here.</p>
      ) : (
        <ul className="webhook-deliveries">
          {deliveries.map((delivery) => (
            <li key={delivery.id} className="webhook-delivery">
              <span className={`action-tag delivery-${delivery.status}`}>
                {STATUS_WORDS[delivery.status]}
              </span>
              <span className="webhook-event">
                <strong>{delivery.eventType}</strong>{" "}
                <span className="muted small">
                  #{delivery.position} · {dateTime(delivery.createdAt)}
                </span>
              </span>
              <span className="muted small webhook-outcome">{outcome(delivery)}</span>
              <button
                type="button"
                className="button small webhook-resend"
                disabled={Boolean(endpoint.disabledAt)}
                onClick={() => void act(() => api.resendWebhookDelivery(endpoint.id, delivery.id))}
              >
                Resend
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="webhook-actions">
        <button type="button" className="button small" onClick={() => void load()}>
          Refresh
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="button small danger"
              onClick={() => void act(() => api.deleteWebhookEndpoint(endpoint.id))}
            >
              Delete for good
            </button>
            <button type="button" className="button small" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" className="button small" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </div>
    </li>
  );
}

/** A new endpoint; its signing secret is shown once, after it is created. */
function NewEndpoint({ onCreated }: { onCreated: (endpoint: WebhookEndpoint) => void }) {
  const [url, setUrl] = useState("");
  const [types, setTypes] = useState("*");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const list = types
        .split(",")
        .map((type) => type.trim())
        .filter(Boolean);
      const { endpoint } = await api.createWebhookEndpoint({ url: url.trim(), types: list });
      setUrl("");
      setErrors({});
      setError(null);
      onCreated(endpoint);
    } catch (failure) {
      setErrors(failure instanceof ApiRequestError ? errorsByField(failure.fields) : {});
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card webhook-form" onSubmit={(event) => void submit(event)}>
      <Field label="Endpoint URL" error={errors.url} hint="A public https:// address that accepts POST">
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            type="url"
            required
            placeholder="https://example.com/parley-webhooks"
            value={url}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(event) => setUrl(event.target.value)}
          />
        )}
      </Field>
      <Field
        label="Event types"
        error={errors.types}
        hint="Comma-separated, * as a wildcard: deal.*, item.sold, review.published (* for all)"
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            required
            value={types}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(event) => setTypes(event.target.value)}
          />
        )}
      </Field>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary webhook-submit" disabled={busy}>
        {busy ? "Adding…" : "Add endpoint"}
      </button>
    </form>
  );
}

/** The console's Webhooks tab: every endpoint, its recent deliveries and their status, with resend. */
export function WebhooksPanel() {
  const id = useId();
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [created, setCreated] = useState<WebhookEndpoint | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setEndpoints((await api.webhookEndpoints()).endpoints);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="console-panel webhooks-panel" aria-labelledby={`${id}-title`}>
      <header className="panel-head plain">
        <h2 id={`${id}-title`}>Webhooks</h2>
        <span className="muted">Feed events posted to your systems, signed (Standard Webhooks)</span>
      </header>
      <NewEndpoint
        onCreated={(endpoint) => {
          setCreated(endpoint);
          void load();
        }}
      />
      {created?.secret && (
        <div className="card webhook-secret" role="status">
          <p>
            <strong>Signing secret for {created.url}</strong>: copy it now, it is not shown again.
          </p>
          <code className="webhook-secret-value">{created.secret}</code>
          <button type="button" className="button small" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {endpoints === null ? (
        <p className="muted" role="status">
          Loading endpoints…
        </p>
      ) : endpoints.length === 0 ? (
        <p className="empty card muted">No webhook endpoints yet.</p>
      ) : (
        <ul className="webhook-endpoints">
          {endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} onChanged={() => void load()} />
          ))}
        </ul>
      )}
    </section>
  );
}
