import { createRoot } from "react-dom/client";

function Placeholder() {
  return (
    <main>
      <h1>Parley</h1>
      <p>
        The API is at <code>/api</code> (try <a href="/api/health">/api/health</a>); realtime is Socket.IO on
        this origin.
      </p>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<Placeholder />);
