import { lookup } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { AppError } from "../../shared/errors.js";

/**
 * The SSRF guard of webhooks: a URL whose host is, or resolves to, an address that is not on the public
 * internet (loopback, private, link-local, unspecified, shared, documentation, multicast, reserved; IPv4
 * and IPv6, IPv4 inside IPv6 included) is refused, when an endpoint is created and again at every
 * delivery. At delivery the check happens inside the connection's own DNS lookup (`guardedLookup`), so
 * the address checked is the address connected to: a second resolution can't swap it (DNS rebinding).
 * Redirects are never followed (a 3xx is a failed delivery), so one can't lead elsewhere either.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // shared address space (carrier-grade NAT)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments (Teredo among them)
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** The 16 bytes of an IPv6 address (`::`, a trailing dotted IPv4 and a zone included). */
function ipv6Bytes(address: string): number[] {
  let text = address.split("%")[0] ?? "";
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split(".").map(Number);
    text = `${text.slice(0, -dotted.length)}${(((a ?? 0) << 8) | (b ?? 0)).toString(16)}:${(((c ?? 0) << 8) | (d ?? 0)).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const groups = (part: string) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const words = [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if it carries one. */
function embeddedIpv4(bytes: number[]): string | null {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const v4 = (at: number) => bytes.slice(at, at + 4).join(".");
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (zero(0, 12)) return v4(12); // ::a.b.c.d, and :: and ::1 (as 0.0.0.0 and 0.0.0.1: refused)
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) {
    return v4(12); // NAT64 64:ff9b::/96
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2); // 6to4 2002::/16
  return null;
}

/** Whether an IP address is on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, "ipv4");
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  const v4 = embeddedIpv4(bytes);
  if (v4) return !blocked.check(v4, "ipv4");
  return !blocked.check(address.split("%")[0] ?? address, "ipv6");
}

/** A URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

function privateAddressError(host: string, address: string): AppError {
  return new AppError(
    "bad_request",
    `${host} resolves to ${address}, which is not a public internet address; webhooks only go to public addresses`,
  );
}

/** Refuses (400) a URL whose host is or resolves to a non-public address, or does not resolve at all. */
export async function assertPublicUrl(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(url);
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[]>((resolve, reject) =>
        lookup(host, { all: true }, (error, found) =>
          error
            ? reject(new AppError("bad_request", `${host} does not resolve to an address (${error.code})`))
            : resolve(found.map((entry) => entry.address)),
        ),
      );
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused) throw privateAddressError(host, refused);
}

/**
 * A DNS lookup for `http.request` that resolves, refuses if any address is not public, and hands the
 * connection exactly the addresses it checked. An IP literal in the URL is never looked up: check it
 * with `assertPublicUrl` before connecting.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const refused = allowPrivate ? undefined : addresses.find((entry) => !isPublicAddress(entry.address));
      const first = addresses[0];
      if (refused || !first) {
        return callback(
          refused ? privateAddressError(hostname, refused.address) : new Error(`${hostname} has no address`),
          "",
          0,
        );
      }
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
