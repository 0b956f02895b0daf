// The flatapex dashboard (docs/ARCHITECTURE.md, "The dashboard"): sign in with an API key,
// then zones, records, ALIAS health, import/export and a DoH query tester. It is a client of
// the APIs and DoH on the same origin, with no back-end of its own. Routes live in the URL
// fragment, so the static page works under any path and every view can be bookmarked.

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { REJECTED_EVENT, Session, clearSession, loadSession, saveSession } from "./api";
import { SignIn } from "./sign_in";
import { ZoneList } from "./zones";
import { ZoneView } from "./zone_view";

/** The view the fragment names: `#/` zones, `#/zones/<id>/<tab>` one zone. */
interface Route {
  zone?: string;
  tab: string;
}

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "zones" && parts[1]) return { zone: parts[1], tab: parts[2] ?? "records" };
  return { tab: "zones" };
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [route, setRoute] = useState(parseRoute(location.hash));

  useEffect(() => {
    const loaded = loadSession();
    if (loaded === "expired") {
      setNotice("Your session expired. Sign in again with your API key.");
    } else {
      setSession(loaded);
    }
    const onHash = () => setRoute(parseRoute(location.hash));
    const onRejected = (event: Event) => {
      clearSession();
      setSession(null);
      const why = (event as CustomEvent<string>).detail;
      setNotice(`The server no longer accepts this API key (${why}). Sign in again.`);
    };
    window.addEventListener("hashchange", onHash);
    window.addEventListener(REJECTED_EVENT, onRejected);
    return () => {
      window.removeEventListener("hashchange", onHash);
      window.removeEventListener(REJECTED_EVENT, onRejected);
    };
  }, []);

  // A session that runs out while the page is open ends at its expiry, not at the next click.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => {
      clearSession();
      setSession(null);
      setNotice("Your session expired. Sign in again with your API key.");
    }, Math.max(0, session.expires - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  const signOut = () => {
    clearSession();
    setSession(null);
    setNotice("Signed out.");
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">flatapex</a>
        {session && (
          <nav aria-label="Account">
            <a href="#/">Zones</a>
            <button type="button" class="link" onClick={signOut}>Sign out</button>
          </nav>
        )}
      </header>
      <main id="main">
        {!session ? (
          <SignIn
            notice={notice}
            onSignIn={(key) => {
              setNotice(null);
              setSession(saveSession(key));
            }}
          />
        ) : route.zone ? (
          <ZoneView session={session} zone={route.zone} tab={route.tab} />
        ) : (
          <ZoneList session={session} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
