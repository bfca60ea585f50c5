import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUSES } from "../../src/engine/summary.js";
import { renderHtml } from "../../src/reports/html.js";
import { sampleContext, sampleRun } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";

describe("html dashboard in chromium", () => {
  const run = sampleRun();
  const history = [
    { at: "2026-01-13T10:00:00.000Z", score: 0.5, counts: { ...run.summary.counts, fail: 5 } },
    { at: "2026-01-14T10:00:00.000Z", score: null, counts: { ...run.summary.counts, error: 9 } },
  ];
  const html = renderHtml(run, sampleContext({ history, bundle: { name: "soc2-2026-01-15.tar.gz", digest: "cd".repeat(32) } }));
  let dir: string;
  let browser: BrowserContext;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}; install Debian's package with "apt-get install -y chromium" (the HTML dashboard test needs a real browser)`);
    }
    dir = await mkdtemp(path.join(tmpdir(), "soc2-html-"));
    await writeFile(path.join(dir, "soc2.html"), html);
    // A fresh profile directory per test run, so no state leaks between runs.
    browser = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openDashboard() {
    const page = await browser.newPage();
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => { if (message.type() === "error") consoleErrors.push(message.text()); });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(path.join(dir, "soc2.html")).href);
    await page.waitForSelector("body[data-ready=true]", { timeout: 10_000 });
    return page;
  }

  it("shows the status counts from the run", async () => {
    const page = await openDashboard();
    for (const status of STATUSES) {
      const shown = await page.textContent(`dd[data-status="${status}"]`);
      expect(Number(shown), status).toBe(run.summary.counts[status]);
    }
    await page.close();
  });

  it("embeds the run JSON intact", async () => {
    const page = await openDashboard();
    const embedded = await page.evaluate(() => JSON.parse(document.getElementById("soc2-run")!.textContent!));
    expect(embedded).toEqual(JSON.parse(JSON.stringify(run)));
    expect(await page.getAttribute("body", "data-controls")).toBe(String(run.controls.length));
    await page.close();
  });

  it("shows score and section counts", async () => {
    const page = await openDashboard();
    expect(await page.textContent("#score")).toBe(`${(run.summary.score! * 100).toFixed(1)}%`);
    expect(await page.textContent('[data-count="failing"]')).toBe("3");
    expect(await page.textContent('[data-count="manual"]')).toBe("2");
    expect(await page.textContent('[data-count="waived-findings"]')).toBe("1");
    expect(await page.textContent('[data-count="errors"]')).toBe("1");
    expect(await page.locator("#failing-table tbody tr").count()).toBe(3);
    await page.close();
  });

  it("shows per-category rows", async () => {
    const page = await openDashboard();
    const categories = await page.locator("#categories tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-category")));
    expect(categories).toEqual(["security", "availability", "processing-integrity", "confidentiality", "privacy"]);
    await page.close();
  });

  it("shows exception expiry and failing resources", async () => {
    const page = await openDashboard();
    expect(await page.textContent("#exceptions")).toContain("2026-03-01 (45 days)");
    const rds = await page.textContent('tr[data-control="rds-storage-encrypted"]');
    expect(rds).toContain("arn:aws:rds:eu-west-1:123456789012:db:prod");
    expect(rds).toContain("Restore from an encrypted snapshot.");
    await page.close();
  });

  it("keeps hostile text inert", async () => {
    const page = await openDashboard();
    expect(await page.locator("script").count()).toBe(2);
    expect(await page.textContent('tr[data-control="hostile-text"]')).toContain("</script><script>alert(1)</script>");
    await page.close();
  });

  it("filters failing controls", async () => {
    const page = await openDashboard();
    await page.fill("#filter", "rds");
    expect(await page.locator("#failing-table tbody tr:not([hidden])").count()).toBe(1);
    await page.close();
  });

  it("draws the trend over past runs", async () => {
    const page = await openDashboard();
    expect(await page.textContent("#trend h2")).toBe("Trend over 3 runs");
    expect(await page.locator("#trend tbody tr").count()).toBe(3);
    expect(await page.locator("#trend-chart circle").count()).toBe(2);
    await page.close();
  });

  it("makes no request beyond the file", async () => {
    const page = await openDashboard();
    await page.close();
    expect(requests.every((url) => url.startsWith("file://"))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it("renders to a screenshot", async () => {
    const page = await openDashboard();
    const file = path.join(dir, "dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    await page.close();
    const png = await readFile(file);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  });
});
