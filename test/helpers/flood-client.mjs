/**
 * A hostile client in a process of its own, so its own CPU does not count against the latency the test
 * measures: `node test/helpers/flood-client.mjs URL TOKEN ITEM_ID COUNT` (plain JavaScript: it starts in
 * a fraction of the time a TypeScript loader takes on a loaded machine). One socket joins
 * the item and sends COUNT `typing:set`; another, never joined, sends COUNT `item:leave`. Prints `sent`
 * once everything is handed to the network, and exits when the server has closed both or after 15 s.
 */
import { io } from "socket.io-client";

const [url, token, itemId, countText] = process.argv.slice(2);
const count = Number(countText);
const open = () =>
  new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: { token },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });

const typist = await open();
const leaver = await open();
await new Promise((resolve) => typist.emit("item:join", { itemId }, () => resolve()));
console.log("ready");
for (let i = 0; i < count; i++) {
  typist.emit("typing:set", { itemId, typing: i % 2 === 0 });
  leaver.emit("item:leave", { itemId });
}
console.log("sent");
let open_ = 2;
for (const socket of [typist, leaver]) {
  socket.on("disconnect", () => {
    if (--open_ === 0) process.exit(0);
  });
}
setTimeout(() => process.exit(0), 15_000).unref();
