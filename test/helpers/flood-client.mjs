/**
 * A hostile client in a process of its own, so its CPU is not the server's nor the measuring test's:
 * `node test/helpers/flood-client.mjs URL TOKEN ITEM_ID COUNT`. One socket joins the item and sends
 * COUNT `typing:set`; another, never joined, sends COUNT `item:leave`. It speaks Socket.IO's wire format
 * directly over a WebSocket (`ws`, the library under socket.io) with the frames encoded once, as a real
 * attacker would: the cost of the flood is then the server's, not a client library's. Prints `ready`
 * once joined, and exits when the server has closed both sockets or after 15 s.
 */
import WebSocket from "ws";

const [url, token, itemId, countText] = process.argv.slice(2);
const count = Number(countText);
const endpoint = `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;

/** An open Engine.IO WebSocket connected to the `/` namespace with `auth: { token }`. */
const open = () =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoint);
    ws.on("error", reject);
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith("0")) ws.send(`40${JSON.stringify({ token })}`);
      else if (text === "2") ws.send("3");
      else if (text.startsWith("40")) resolve(ws);
      else if (text.startsWith("44")) reject(new Error(text));
    });
  });

const typist = await open();
const leaver = await open();
await new Promise((resolve) => {
  typist.on("message", (data) => {
    if (data.toString().startsWith("430")) resolve();
  });
  typist.send(`420${JSON.stringify(["item:join", { itemId }])}`);
});
console.log("ready");
const typing = [true, false].map((on) => `42${JSON.stringify(["typing:set", { itemId, typing: on }])}`);
const leave = `42${JSON.stringify(["item:leave", { itemId }])}`;
for (let i = 0; i < count; i++) {
  typist.send(typing[i % 2]);
  leaver.send(leave);
}
console.log("sent");
let open_ = 2;
for (const ws of [typist, leaver]) {
  ws.on("close", () => {
    if (--open_ === 0) process.exit(0);
  });
}
setTimeout(() => process.exit(0), 15_000).unref();
