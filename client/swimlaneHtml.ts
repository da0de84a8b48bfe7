// The swimlane view's page: a checker's counterexamples drawn as the seed commit messages
// draw them (one column per CPU, time downwards, lock acquisitions and the failing step
// marked). Plain HTML from plain data, no `vscode` import, so it is tested in Node.

import type { CheckResultJson, CounterexampleJson } from '../server/protocol';

export interface PageResources {
  /** The webview's source for its own files (`webview.cspSource`). */
  readonly cspSource: string;
  /** A fresh random value per page, for the script tag. */
  readonly nonce: string;
  readonly styleUri: string;
  readonly scriptUri: string;
}

export interface SwimlanePage {
  /** What was checked, for the heading (a file name). */
  readonly title: string;
  readonly result: CheckResultJson;
  /** The step a debug session stands at, per counterexample index, to highlight. */
  readonly current?: { readonly counterexample: number; readonly step: number };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Long statements (a whole loop) are cut for the lane; the full text is in the tooltip. */
function clip(text: string, max = 72): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function verdictLine(r: CheckResultJson): string {
  const s = r.summary;
  const states = r.stats ? ` · ${plural(r.stats.states, 'state')} in ${r.stats.seconds.toFixed(2)} s` : '';
  const expected = s.asExpected === undefined ? '' : s.asExpected ? ' (as the scenario expects)' : ' (NOT what the scenario expects)';
  switch (s.verdict) {
    case 'violation':
      return `✗ ${s.details.join(', ')}${expected}${states}`;
    case 'verified':
      return `✓ verified: no violation in any interleaving${expected}${states}`;
    case 'inconclusive':
      return `? inconclusive: ${s.details.join(', ') || 'a bound was hit'}${states}`;
    case 'error':
      return `⚠ ${s.details.join(', ') || 'the check failed'}`;
  }
}

/**
 * Where each box sits in its section's grid. The CSP forbids style attributes, so the
 * positions are classes (`col-2 row-5`) defined in one style block the page's nonce allows.
 */
function gridStyle(counterexamples: readonly CounterexampleJson[]): string {
  const rules: string[] = [];
  let columns = 1;
  let rows = 1;
  counterexamples.forEach((c, i) => {
    const height = c.steps.length + c.after.length + 2;
    columns = Math.max(columns, c.lanes.length + 1);
    rows = Math.max(rows, height);
    rules.push(`#counterexample-${i} .lanes { grid-template-columns: 3em repeat(${c.lanes.length}, minmax(9em, 1fr)); }`);
    rules.push(`#counterexample-${i} .lane-bg { grid-row: 1 / span ${height}; }`);
  });
  for (let col = 1; col <= columns; col++) rules.push(`.col-${col} { grid-column: ${col}; }`);
  for (let row = 1; row <= rows; row++) rules.push(`.row-${row} { grid-row: ${row}; }`);
  rules.push('.all-columns { grid-column: 1 / -1; }');
  return rules.join('\n');
}

function counterexampleSection(c: CounterexampleJson, index: number, current: SwimlanePage['current']): string {
  const rows: string[] = [];
  // Grid: column 1 holds step numbers, lane i is column i + 2; row 1 is the lane headings.
  rows.push('<div class="corner col-1 row-1">step</div>');
  c.lanes.forEach((lane, i) => {
    rows.push(`<div class="lane-bg col-${i + 2}"></div>`);
    rows.push(`<div class="lane-head col-${i + 2} row-1" title="${escapeHtml(lane.description)}">` +
      `<span class="lane-title">${escapeHtml(lane.title)}</span><span class="lane-description">${escapeHtml(lane.description)}</span></div>`);
  });
  c.steps.forEach((st, i) => {
    const row = i + 2;
    const line = st.range.start.line + 1;
    const isCurrent = current?.counterexample === index && current.step === st.step;
    const marks = [
      ...st.acquires.map((l) => `<span class="mark acquire" title="takes ${escapeHtml(l)}">lock ${escapeHtml(l)}</span>`),
      ...st.releases.map((l) => `<span class="mark release" title="releases ${escapeHtml(l)}">unlock ${escapeHtml(l)}</span>`),
    ].join('');
    const classes = ['step', ...(st.failing ? ['failing'] : []), ...(st.acquires.length > 0 ? ['acquires'] : []), ...(isCurrent ? ['current'] : [])];
    rows.push(`<div class="num col-1 row-${row}">${st.step}</div>`);
    rows.push(
      `<button type="button" class="${[...classes, `col-${st.lane + 2}`, `row-${row}`].join(' ')}" ` +
        `data-counterexample="${index}" data-step="${st.step}" title="line ${line}: ${escapeHtml(st.text)}"` +
        `${isCurrent ? ' aria-current="step"' : ''}>` +
        `<span class="text">${escapeHtml(clip(st.text))}</span>${marks}` +
        `${st.failing ? `<span class="failure">&larr; ${escapeHtml(c.footer)}</span>` : ''}</button>`,
    );
  });
  c.after.forEach((n, i) => {
    const row = c.steps.length + i + 2;
    rows.push(`<div class="after col-${n.lane + 2} row-${row}" title="${escapeHtml(n.text)}">` +
      `<span class="text">${escapeHtml(clip(n.text))}</span><span class="failure">&larr; ${escapeHtml(n.note)}</span></div>`);
  });
  const footerRow = c.steps.length + c.after.length + 2;
  rows.push(`<div class="footer all-columns row-${footerRow}">${escapeHtml(c.footer)}</div>`);

  return `<section class="counterexample" id="counterexample-${index}" data-kind="${escapeHtml(c.kind)}">
  <h2><span class="kind">${escapeHtml(c.kind)}</span> ${escapeHtml(c.message)}</h2>
  <p class="actions"><button type="button" class="debug" data-debug="${index}">Debug this counterexample</button>
  <button type="button" class="copy" data-copy="${index}">Copy as Commit Message Diagram</button>
  <span class="hint">${plural(c.steps.length, 'step')}; click a step to open its line (or, while its replay is debugged, to go there)</span></p>
  <div class="lanes" role="grid" aria-label="${escapeHtml(`${c.kind}: one column per CPU, time downwards`)}">
    ${rows.join('\n    ')}
  </div>
  <details><summary>Report</summary><pre>${escapeHtml(c.report)}</pre></details>
</section>`;
}

export function swimlaneHtml(page: SwimlanePage, res: PageResources): string {
  const csp = [
    "default-src 'none'",
    `style-src ${res.cspSource} 'nonce-${res.nonce}'`,
    `script-src 'nonce-${res.nonce}'`,
    `img-src ${res.cspSource}`,
    `font-src ${res.cspSource}`,
  ].join('; ');
  const sections = page.result.counterexamples.map((c, i) => counterexampleSection(c, i, page.current)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(res.styleUri)}">
<style nonce="${res.nonce}">
${gridStyle(page.result.counterexamples)}
</style>
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<header>
  <h1>${escapeHtml(page.title)}</h1>
  <p class="verdict verdict-${page.result.summary.verdict}">${escapeHtml(verdictLine(page.result))}</p>
</header>
${sections || '<p class="empty">No counterexample: nothing to draw.</p>'}
<script nonce="${res.nonce}" src="${escapeHtml(res.scriptUri)}"></script>
</body>
</html>
`;
}
