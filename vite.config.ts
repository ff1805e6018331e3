import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The web app lives in client/ and is built into dist/client, which the server serves at `/`.
export default defineConfig({
  root: "client",
  plugins: [react()],
  build: { outDir: "../dist/client", emptyOutDir: true },
  server: {
    proxy: {
      "/api": "http://localhost:3000",
      "/uploads": "http://localhost:3000",
      "/socket.io": { target: "http://localhost:3000", ws: true },
    },
  },
});
