// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the
// worker in `wrangler dev` (tests/e2e_edge_ui.rs starts it, with the fake upstream, and runs
// this file with node --test). Every step is also checked where a resolver would see it: DoH
// answers from the same worker, not only what the page shows.
//
// Environment: FLATAPEX_URL (the worker), FLATAPEX_KEY (an admin API key), FAKE_UPSTREAM (the
// fake upstream's base URL, for /control/down and /control/up), SCREENSHOTS (a directory).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

const BASE = process.env.FLATAPEX_URL;
const KEY = process.env.FLATAPEX_KEY;
const FAKE = process.env.FAKE_UPSTREAM;
const SHOTS = process.env.SCREENSHOTS ?? "target/ui-screenshots";
const ZONE = "dashboard.test.";
/** What the fake upstream answers for the ALIAS target (set by tests/e2e_edge_ui.rs). */
const TARGET_V4 = "192.0.2.44";

let browser;
let page;
/** Uncaught errors on the page: each test would pass over them, so `after` fails on any. */
const pageErrors = [];

/** DoH's JSON API, as a resolver or curl would ask it. */
async function doh(name, type) {
  const response = await fetch(`${BASE}/dns-query?name=${name}&type=${type}`, {
    headers: { accept: "application/dns-json" },
  });
  assert.equal(response.status, 200, `DoH ${name} ${type}`);
  return { body: await response.json(), alias: response.headers.get("flatapex-alias") };
}

/** Polls `check` until it returns a truthy value; the worker re-reads KV every 2 s here. */
async function eventually(what, check, seconds = 15) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${seconds} s${last ? ` (${last.message})` : ""}`);
}

const data = (answer, type) => (answer.body.Answer ?? []).filter((r) => r.type === type).map((r) => r.data);

async function signIn(key = KEY) {
  await page.goto(`${BASE}/ui/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function addRecord(name, type, ttl, content) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Type", { exact: true }).selectOption(type);
  await page.getByLabel("TTL (seconds)").fill(String(ttl));
  await page.getByLabel("Content", { exact: true }).fill(content);
  await page.getByRole("button", { name: "Add record" }).click();
}

before(async () => {
  assert.ok(BASE && KEY && FAKE, "run through tests/e2e_edge_ui.rs (scripts/e2e-edge)");
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  assert.deepEqual(pageErrors, [], "the page threw");
});

test("a wrong key gets a clear message, not a blank page", async () => {
  await signIn("fapx_not_a_key");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /That API key was refused: the API key is not valid/);
  assert.equal(await page.getByLabel("API key").isVisible(), true);
});

test("signs in with the keyboard alone", async () => {
  await page.goto(`${BASE}/ui/`);
  for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.id === "api-key")); i++) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.type(KEY);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Zones" }).waitFor();
  // The zones pushed from tests/zones are listed with their counts.
  const row = page.locator('tr[data-zone="alias.test."]');
  await row.waitFor();
  assert.match(await row.textContent(), /alias\.test\./);
});

test("creates a zone, served over DoH", async () => {
  await page.getByLabel("Zone name").fill("dashboard.test");
  await page.getByRole("button", { name: "Create zone" }).click();
  const missing = page.locator("#new-zone-ns-error");
  await missing.waitFor();
  assert.match(await missing.textContent(), /at least one name server/);
  await page.getByLabel("Name servers").fill("ns1.example.net. ns2.example.net.");
  await page.getByRole("button", { name: "Create zone" }).click();
  await page.getByRole("heading", { name: ZONE }).waitFor();
  await page.locator("table.records").getByText("SOA").waitFor();
  const soa = await eventually("the new zone's SOA over DoH", async () => {
    const answer = await doh(ZONE, "SOA");
    return answer.body.Status === 0 && data(answer, 6).length === 1 && answer;
  });
  assert.match(data(soa, 6)[0], /^ns1\.example\.net\. hostmaster\.dashboard\.test\. 1 /);
  assert.deepEqual(data(await doh(ZONE, "NS"), 2).sort(), ["ns1.example.net.", "ns2.example.net."]);
});

test("adds an apex ALIAS, an MX and a TXT; DoH serves them, the ALIAS flattened", async () => {
  await page.getByLabel("Type", { exact: true }).selectOption("ALIAS");
  assert.match(await page.locator("#alias-explanation").textContent(), /CNAME that may sit at the zone apex/);
  await addRecord("@", "ALIAS", 60, "flaky.cdn.fake.");
  await page.getByText("Added ALIAS @.").waitFor();
  await addRecord("@", "MX", 300, "10 mail.dashboard.test.");
  await page.getByText("Added MX @.").waitFor();
  await addRecord("@", "TXT", 300, "v=spf1 -all");
  await page.getByText("Added TXT @.").waitFor();
  await page.locator('tr[data-record="dashboard.test. TXT \\"v=spf1 -all\\""]').waitFor();

  const a = await eventually("the flattened apex A", async () => {
    const answer = await doh(ZONE, "A");
    return data(answer, 1).includes(TARGET_V4) && answer;
  });
  assert.match(a.alias, /dashboard\.test\. -> flaky\.cdn\.fake\.; type=A; source=(upstream|memory|cache)/);
  assert.deepEqual(data(await doh(ZONE, "MX"), 15), ["10 mail.dashboard.test."]);
  assert.deepEqual(data(await doh(ZONE, "TXT"), 16), ['"v=spf1 -all"']);
  await page.screenshot({ path: `${SHOTS}/zone.png`, fullPage: true });
});

test("a second apex ALIAS is refused with the server's reason next to the content", async () => {
  await addRecord("@", "ALIAS", 60, "other.cdn.fake.");
  const error = page.locator("#add-content-error");
  await error.waitFor();
  assert.match(await error.textContent(), /ALIAS.*\(HTTP 422\)/);
  await addRecord("www", "A", 300, "192.0.2.300");
  assert.match(await error.textContent(), /"192\.0\.2\.300" is not an IPv4 address/);
  assert.equal(data(await doh(`www.${ZONE}`, "A"), 1).length, 0, "nothing was added");
  await page.getByLabel("Content", { exact: true }).fill("");
});

test("ALIAS health shows the upstream's addresses, then stale when the upstream goes down", async () => {
  await page.getByRole("link", { name: "ALIAS health" }).click();
  const a = page.locator(`tr[data-owner="${ZONE}"][data-type="A"]`);
  await a.waitFor();
  assert.equal(await a.getAttribute("data-status"), "ok");
  assert.match(await a.locator("th").textContent(), /^dashboard\.test\. → flaky\.cdn\.fake\.$/);
  const cells = await a.locator("td").allTextContents();
  assert.equal(cells[2], TARGET_V4);
  assert.match(cells[3], /^(upstream|memory|cache)$/);
  assert.match(cells[6], /^127\.0\.0\.1:\d+\/(hole\/)?dns-query$/, "the upstream that answered");
  const errorRow = page.locator(`tr[data-error-for="${ZONE} A"]`);
  assert.equal(await errorRow.count(), 0, "no error while the upstream answers");
  await page.screenshot({ path: `${SHOTS}/alias-health.png`, fullPage: true });

  await fetch(`${FAKE}/control/down`, { method: "POST" });
  try {
    // The fake upstream's TTL is 4 s: once it runs out, answers are stale (RFC 8767).
    await eventually(
      "the row turns stale",
      async () => {
        await page.getByRole("button", { name: "Check now" }).click();
        await page.waitForTimeout(500);
        return (await a.getAttribute("data-status")) === "stale";
      },
      20,
    );
    const stale = await a.locator("td").allTextContents();
    assert.equal(stale[2], TARGET_V4, "the last good addresses are kept");
    assert.equal(stale[3], "stale");
    assert.match(await errorRow.textContent(), /^Last error \(A\): .*HTTP status 503/);
    await page.screenshot({ path: `${SHOTS}/alias-health-stale.png`, fullPage: true });
    const answer = await doh(ZONE, "A");
    assert.deepEqual(data(answer, 1), [TARGET_V4]);
    assert.match(answer.alias, /source=stale/);
    assert.match(answer.body.Comment, /^EDE 3: /);
  } finally {
    await fetch(`${FAKE}/control/up`, { method: "POST" });
  }
});

test("edits a record and deletes another; DoH follows", async () => {
  await page.getByRole("link", { name: "Records" }).click();
  await page.getByRole("button", { name: 'Edit dashboard.test. TXT "v=spf1 -all"' }).click();
  const form = page.getByRole("form", { name: 'Edit dashboard.test. TXT "v=spf1 -all"' });
  await form.getByLabel("Content").fill("v=spf1 mx -all");
  await form.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved dashboard.test. TXT.").waitFor();
  await eventually("the edited TXT over DoH", async () =>
    data(await doh(ZONE, "TXT"), 16).includes('"v=spf1 mx -all"'),
  );

  await page.getByRole("button", { name: "Delete dashboard.test. MX 10 mail.dashboard.test." }).click();
  await page.getByRole("button", { name: "Delete it" }).click();
  await page.getByText("Deleted dashboard.test. MX").waitFor();
  await eventually("the MX gone from DoH", async () => data(await doh(ZONE, "MX"), 15).length === 0);
});

test("imports a zone file: a bad line is named, a good file replaces the zone", async () => {
  await page.getByRole("link", { name: "Import and export" }).click();
  const text = [
    "$TTL 300",
    "@ SOA ns1.dashboard.test. hostmaster.dashboard.test. 100 3600 600 86400 300",
    "@ NS ns1.dashboard.test.",
    "ns1 A 192.0.2.53",
    "www A 192.0.2.999",
    "@ ALIAS flaky.cdn.fake.",
  ];
  await page.getByLabel("Zone file text").fill(text.join("\n"));
  await page.getByRole("button", { name: "Import and replace" }).click();
  const alert = page.locator("#import-message");
  await alert.waitFor();
  assert.match(await alert.textContent(), /line 5:.*192\.0\.2\.999/);
  assert.deepEqual(data(await doh(`www.${ZONE}`, "A"), 1), [], "nothing changed");

  text[4] = "www A 192.0.2.80";
  await page.getByLabel("Zone file text").fill(text.join("\n"));
  await page.getByRole("button", { name: "Import and replace" }).click();
  await page.getByText(/Imported: serial \d+, \d+ records, 1 ALIAS/).waitFor();
  await eventually("the imported www over DoH", async () =>
    data(await doh(`www.${ZONE}`, "A"), 1).includes("192.0.2.80"),
  );

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download dashboard.test.zone" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "dashboard.test.zone");
  const path = await download.path();
  const exported = (await import("node:fs")).readFileSync(path, "utf8");
  assert.match(exported, /ALIAS\s+flaky\.cdn\.fake\./);
  assert.match(exported, /www\.dashboard\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.80/);
});

test("the query tester answers through DoH with the ALIAS provenance", async () => {
  await page.getByRole("link", { name: "Query tester" }).click();
  await page.getByLabel("Name", { exact: true }).fill(ZONE);
  await page.getByLabel("Type", { exact: true }).selectOption("A");
  await page.getByRole("button", { name: "Query" }).click();
  const answer = page.getByRole("region", { name: "Answer" });
  await answer.waitFor();
  assert.equal(await answer.locator(".rcode").textContent(), "NOERROR");
  assert.match(await answer.textContent(), new RegExp(TARGET_V4.replaceAll(".", "\\.")));
  assert.match(await answer.locator(".provenance").textContent(), /flaky\.cdn\.fake\.; type=A; source=/);
  assert.deepEqual(data(await doh(ZONE, "A"), 1), [TARGET_V4], "the page showed what DoH serves");
});

test("is readable on a phone: nothing wider than the screen but the tables' own scroll", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of ["records", "health", "import", "query"]) {
    await page.goto(`${BASE}/ui/#/zones/${ZONE}/${tab}`);
    await page.getByRole("heading", { name: ZONE }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > innerWidth)
        .filter((e) => !e.parentElement.closest(".table-wrap"))
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}.${e.className}`)
        .slice(0, 5),
    );
    assert.ok(width <= 390, `${tab}: the page is ${width}px wide on a 390px screen: ${wide}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("deletes the zone; DoH refuses it", async () => {
  await page.goto(`${BASE}/ui/#/`);
  await page.getByRole("button", { name: `Delete zone ${ZONE}` }).click();
  await page.getByRole("button", { name: `Delete ${ZONE} and all its records` }).click();
  await page.getByText(`Deleted zone ${ZONE}`).waitFor();
  await eventually("the zone is gone from DoH", async () => (await doh(ZONE, "SOA")).body.Status === 5);
});

test("an expired session says so and asks for the key again", async () => {
  await page.evaluate(() => {
    const session = JSON.parse(sessionStorage.getItem("flatapex.session"));
    session.expires = Date.now() - 1000;
    sessionStorage.setItem("flatapex.session", JSON.stringify(session));
  });
  await page.reload();
  const notice = page.getByRole("status").filter({ hasText: "expired" });
  await notice.waitFor();
  assert.equal(await notice.textContent(), "Your session expired. Sign in again with your API key.");
  assert.equal(await page.getByLabel("API key").isVisible(), true);
});

test("a key the server stops accepting ends the session with the reason", async () => {
  await page.evaluate(() => {
    const session = { key: "fapx_revoked_key", expires: Date.now() + 3600_000 };
    sessionStorage.setItem("flatapex.session", JSON.stringify(session));
  });
  await page.reload();
  const notice = page.getByRole("status").filter({ hasText: "no longer accepts" });
  await notice.waitFor();
  assert.match(await notice.textContent(), /the API key is not valid/);
});
