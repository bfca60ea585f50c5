import { TRUST_CATEGORIES } from "../catalog/control-schema.js";
import type { ControlResult, RunResult, Status } from "../engine/types.js";
import { STATUSES } from "../engine/summary.js";
import { CATEGORY_TITLES, daysBetween, formatScore, hasError, manualDue, primaryCriterion, waivedFindings } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

/**
 * A self-contained HTML dashboard: one file with inline CSS and JavaScript, no fonts, images or
 * requests from elsewhere (a Content-Security-Policy forbids them), so it opens from an evidence
 * bundle offline. Everything is rendered here; the script only filters tables.
 */
export const reporter: Reporter = {
  id: "html",
  extension: "html",
  render: renderHtml,
};

/** Exceptions expiring within this many days are highlighted. */
const EXPIRY_WARNING_DAYS = 30;

export function renderHtml(run: RunResult, context: ReportContext): string {
  const body = [
    headerSection(run, context),
    categorySection(run),
    failingSection(run),
    manualSection(run),
    exceptionSection(run),
    errorSection(run),
    trendSection(run, context),
  ].join("\n");

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SOC 2 dashboard: ${esc(formatScore(run.summary.score))} at ${esc(run.finishedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="soc2-run">${embedJson(run)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function headerSection(run: RunResult, context: ReportContext): string {
  const { counts, score, evaluatedShare, exitCode } = run.summary;
  const tiles = STATUSES.map((status) =>
    `<div class="tile s-${status}"><dt>${status}</dt><dd data-status="${status}">${counts[status]}</dd></div>`).join("");
  const bundle = context.bundle
    ? `<p>Evidence bundle <code>${esc(context.bundle.name)}</code>, sha256 <code>${esc(context.bundle.digest)}</code></p>`
    : "";
  return `<header>
<h1>SOC 2 controls</h1>
<p class="meta">Run ${esc(run.startedAt)} to ${esc(run.finishedAt)} by soc2 ${esc(run.tool.version)} · exit code <span id="exit-code">${exitCode}</span></p>
${bundle}
<div class="headline"><div><span class="label">Score</span><span id="score" class="big">${esc(formatScore(score))}</span></div>
<div><span class="label">Evaluated share</span><span id="evaluated-share" class="big">${esc(formatScore(evaluatedShare))}</span></div>
<div><span class="label">Controls</span><span id="control-count" class="big">${run.controls.length}</span></div></div>
<dl class="tiles" id="status-counts">${tiles}</dl>
</header>`;
}

function categorySection(run: RunResult): string {
  const shown: Status[] = ["pass", "fail", "waived", "error", "pending", "not-applicable", "skipped"];
  const rows = TRUST_CATEGORIES.map((category) => {
    const controls = run.controls.filter((control) => control.category === category);
    if (controls.length === 0) return "";
    const count = (status: Status): number => controls.filter((control) => control.status === status).length;
    const scored = count("pass") + count("waived") + count("fail") + count("error") + count("pending");
    const score = scored === 0 ? null : (count("pass") + count("waived")) / scored;
    const cells = shown.map((status) => `<td class="num${count(status) > 0 ? ` s-${status}` : ""}">${count(status)}</td>`).join("");
    return `<tr data-category="${category}"><th scope="row">${esc(CATEGORY_TITLES[category])}</th>${cells}<td class="num">${esc(formatScore(score))}</td></tr>`;
  }).join("");
  return `<section id="categories"><h2>Status per trust category</h2>
<table><thead><tr><th>Category</th>${shown.map((status) => `<th class="num">${status}</th>`).join("")}<th class="num">score</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function failingSection(run: RunResult): string {
  const failing = run.controls.filter((control) => control.status === "fail" && control.type !== "manual");
  const rows = failing.map((control) => {
    const resources = control.findings.filter((finding) => finding.status === "fail");
    const list = resources.length === 0
      ? `<em>${esc(control.reason)}</em>`
      : `<ul>${resources.map((finding) => `<li><code>${esc(finding.resource)}</code>${finding.message ? `: ${esc(finding.message)}` : ""}</li>`).join("")}</ul>`;
    const warn = control.warnOnly ? ` <span class="badge">warn only</span>` : "";
    return `<tr class="failing" data-control="${esc(control.id)}"><td><code>${esc(control.id)}</code>${warn}<br><small>${esc(control.title)}</small></td>
<td>${esc(primaryCriterion(control))}</td><td class="sev-${control.severity}">${control.severity}</td><td>${list}</td><td>${esc(control.remediation ?? "")}</td></tr>`;
  }).join("\n");
  const table = failing.length === 0
    ? `<p class="empty">No automated control fails.</p>`
    : `<input type="search" id="filter" placeholder="Filter failing controls" aria-label="Filter failing controls">
<table id="failing-table"><thead><tr><th>Control</th><th>Criterion</th><th>Severity</th><th>Failing resources</th><th>Remediation</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="failing"><h2>Failing controls <span class="count" data-count="failing">${failing.length}</span></h2>${table}</section>`;
}

function manualSection(run: RunResult): string {
  const due = manualDue(run);
  const rows = due.map((control) =>
    `<tr><td><code>${esc(control.id)}</code></td><td class="s-${control.status}">${control.status === "pending" ? "never recorded" : "overdue"}</td><td>${esc(control.reason)}</td></tr>`).join("");
  const table = due.length === 0 ? `<p class="empty">No manual evidence is due.</p>` : `<table><thead><tr><th>Control</th><th>State</th><th>What is due</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="manual"><h2>Manual evidence due <span class="count" data-count="manual">${due.length}</span></h2>${table}</section>`;
}

function exceptionSection(run: RunResult): string {
  const waived = waivedFindings(run);
  const rows = waived.map(({ control, finding, expires }) => {
    const daysLeft = expires === undefined ? undefined : daysBetween(run.now, expires);
    const soon = daysLeft !== undefined && daysLeft <= EXPIRY_WARNING_DAYS ? " soon" : "";
    const left = daysLeft === undefined ? "" : ` (${daysLeft} days)`;
    return `<tr><td><code>${esc(control.id)}</code></td><td><code>${esc(finding.resource)}</code></td><td class="expiry${soon}">${esc(expires ?? "unknown")}${left}</td><td>${esc(finding.message ?? "")}</td></tr>`;
  }).join("");
  const table = waived.length === 0 ? `<p class="empty">No finding is waived.</p>` : `<table><thead><tr><th>Control</th><th>Resource</th><th>Expires</th><th>Exception</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="exceptions"><h2>Exceptions in force <span class="count" data-count="waived-findings">${waived.length}</span></h2>${table}</section>`;
}

function errorSection(run: RunResult): string {
  const errored = run.controls.filter(hasError);
  const rows = errored.flatMap((control: ControlResult) => {
    const findings = control.findings.filter((finding) => finding.status === "error");
    if (findings.length === 0) return [`<tr><td><code>${esc(control.id)}</code></td><td></td><td>${esc(control.reason)}</td></tr>`];
    return findings.map((finding) => `<tr><td><code>${esc(control.id)}</code></td><td><code>${esc(finding.resource)}</code></td><td>${esc(finding.message ?? control.reason)}</td></tr>`);
  }).join("");
  const table = errored.length === 0 ? `<p class="empty">Every source answered.</p>` : `<table><thead><tr><th>Control</th><th>Resource</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="errors"><h2>Could not be checked <span class="count" data-count="errors">${errored.length}</span></h2>${table}</section>`;
}

function trendSection(run: RunResult, context: ReportContext): string {
  const points = [...(context.history ?? []), { at: run.finishedAt, score: run.summary.score, counts: run.summary.counts }];
  const rows = points.slice().reverse().map((point) =>
    `<tr><td>${esc(point.at)}</td><td class="num">${esc(formatScore(point.score))}</td><td class="num">${point.counts.fail}</td><td class="num">${point.counts.error}</td><td class="num">${point.counts.pending}</td></tr>`).join("");
  return `<section id="trend"><h2>Trend over ${points.length} run${points.length === 1 ? "" : "s"}</h2>
${trendChart(points)}
<table><thead><tr><th>Run</th><th class="num">score</th><th class="num">fail</th><th class="num">error</th><th class="num">pending</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** An inline SVG line of the score over the runs; runs without a score leave a gap. */
function trendChart(points: Array<{ at: string; score: number | null }>): string {
  const width = 600;
  const height = 120;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const segments: string[][] = [[]];
  points.forEach((point, index) => {
    if (point.score === null) {
      segments.push([]);
      return;
    }
    const x = points.length > 1 ? index * step : width / 2;
    const y = height - point.score * height;
    segments[segments.length - 1]!.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  const lines = segments.filter((segment) => segment.length > 0).map((segment) =>
    segment.length === 1
      ? `<circle cx="${segment[0]!.split(",")[0]}" cy="${segment[0]!.split(",")[1]}" r="3"/>`
      : `<polyline points="${segment.join(" ")}"/>`).join("");
  return `<svg id="trend-chart" viewBox="-5 -5 ${width + 10} ${height + 10}" role="img" aria-label="Score per run, 0 to 100 percent"><rect x="0" y="0" width="${width}" height="${height}" class="frame"/>${lines}</svg>`;
}

/** JSON that cannot end the script element or break the page: `<`, U+2028 and U+2029 escaped. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const STYLE = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --waived: #8250df; --error: #bc4c00; --pending: #9a6700; --muted: #57606a; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #1f2328; }
h1 { margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
.meta, small, .empty { color: var(--muted); }
.headline { display: flex; gap: 2.5rem; margin: 1rem 0; }
.label { display: block; color: var(--muted); font-size: .85rem; } .big { font-size: 2rem; font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(7, 1fr); gap: .5rem; margin: 0; }
.tile { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem; text-align: center; }
.tile dt { font-size: .8rem; color: var(--muted); } .tile dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #eaeef2; padding: .35rem .5rem; text-align: left; vertical-align: top; }
.num { text-align: right; } ul { margin: 0; padding-left: 1.1rem; }
.s-pass { color: var(--pass); } .s-fail { color: var(--fail); } .s-waived { color: var(--waived); }
.s-error { color: var(--error); } .s-pending { color: var(--pending); }
.sev-critical, .sev-high { color: var(--fail); font-weight: 600; }
.badge { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 4px; font-size: .75rem; padding: 0 .3rem; }
.count { background: #eaeef2; border-radius: 1rem; font-size: .9rem; padding: 0 .6rem; }
.expiry.soon { color: var(--fail); font-weight: 600; }
#filter { margin: .5rem 0; padding: .3rem .5rem; width: 20rem; }
#trend-chart { width: 100%; max-width: 600px; height: 140px; }
#trend-chart .frame { fill: none; stroke: #d0d7de; } #trend-chart polyline { fill: none; stroke: var(--pass); stroke-width: 2; } #trend-chart circle { fill: var(--pass); }
code { font-size: .85em; }
`;

const SCRIPT = `
(function () {
  var run = JSON.parse(document.getElementById("soc2-run").textContent);
  document.body.dataset.controls = String(run.controls.length);
  var filter = document.getElementById("filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var needle = filter.value.toLowerCase();
      document.querySelectorAll("#failing-table tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }
  document.body.dataset.ready = "true";
})();
`;
