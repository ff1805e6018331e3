import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One email as the SMTP server received it: envelope, headers and the decoded text and HTML parts. */
export type CapturedEmail = { to: string[]; subject: string; text: string; html: string; raw: string };

/** Undoes quoted-printable (soft line breaks, `=XX` bytes) into UTF-8 text. */
function decodeQuotedPrintable(value: string): string {
  const unfolded = value.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded[i] === "=" ? unfolded.slice(i + 1, i + 3) : "";
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(unfolded[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The body of the MIME part of `type` in a raw message (nodemailer's multipart/alternative). */
function part(raw: string, type: "text/plain" | "text/html"): string {
  const match = raw.match(
    new RegExp(
      `Content-Type: ${type}[^\\r\\n]*\\r?\\n((?:[^\\r\\n]+\\r?\\n)*)\\r?\\n([\\s\\S]*?)(?:\\r?\\n--|$)`,
    ),
  );
  if (!match) return "";
  const [, headers = "", body = ""] = match;
  if (/quoted-printable/i.test(headers)) return decodeQuotedPrintable(body);
  if (/base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}

function subjectOf(raw: string): string {
  const header = raw.match(/^Subject: ((?:.*\r?\n(?:[ \t].*\r?\n)*))/m)?.[1] ?? "";
  // Encoded words (=?UTF-8?Q?...?= or ?B?) joined back into text.
  return header
    .replace(/\r?\n[ \t]/g, " ")
    .trim()
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_all, encoding: string, text: string) =>
      encoding.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : decodeQuotedPrintable(text.replaceAll("_", " ")),
    );
}

/**
 * A real SMTP server in the test process that keeps every message it accepts. `stop()` closes it (the
 * app's sends then fail), `start()` listens again on the same port; `hold()` keeps senders waiting for
 * the answer to their message until released.
 */
export async function startSmtpCapture() {
  const received: CapturedEmail[] = [];
  let server: SMTPServer | null = null;
  let port = 0;
  // While held, messages are received but not accepted: the sender waits for the answer to its data.
  let gate: Promise<void> | null = null;
  const held: CapturedEmail[] = [];

  async function start(): Promise<void> {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", async () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const email: CapturedEmail = {
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: subjectOf(raw),
            text: part(raw, "text/plain"),
            html: part(raw, "text/html"),
            raw,
          };
          if (gate) {
            held.push(email);
            await gate;
            held.splice(held.indexOf(email), 1);
          }
          received.push(email);
          callback();
        });
      },
    });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => resolve());
    });
    port = (listening.server.address() as AddressInfo).port;
  }

  await start();
  return {
    received,
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    start,
    stop: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
    /** Holds every message's acceptance until the returned function is called. */
    hold(): () => void {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = null;
        release();
      };
    },
    /** Messages received and held, not accepted yet. */
    held: held as readonly CapturedEmail[],
    /** Every message to `address`. */
    to: (address: string) => received.filter((email) => email.to.includes(address)),
  };
}
