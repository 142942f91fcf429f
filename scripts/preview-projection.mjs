// The projection section in the preview page (scripts/preview-webview.mjs): a hand-made sample
// `projection` for a report (clusters on 8 components, a few zero rows, duplicates and outliers),
// the 'rowMetadata' message the host sends after it (labels, hostile texts, a numeric column), and
// the page driven like a user: hover, keys, legend, box selection, row links, exports, and the
// frame times while panning (the bench case of scripts/bench_projection.mjs).

const CLASSES = ['sports', 'politics', 'science', 'music', 'cooking', 'travel', 'finance', 'gaming', 'health', '<img src=x onerror="window.__xss=1">'];
const COMPONENTS = 8;

/** Deterministic xorshift generator with normal deviates. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
  return { next, normal: () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()) };
}

/**
 * A report's `projection` for n sample rows of `eligible` finite rows: class-dependent centres on
 * 8 components with shrinking spread, every 500th row an outlier, rows 7 and 8 zero rows (same
 * point), every 997th row a duplicate of the row before it.
 */
export function projectionSample(n, eligible, seed = 3) {
  const r = rng(seed);
  const stride = eligible / n;
  const rows = Array.from({ length: n }, (_, i) => Math.floor(i * stride));
  const centres = CLASSES.map(() => Array.from({ length: COMPONENTS }, (_, c) => 3.2 * r.normal() / (1 + c * 0.6)));
  const cls = rows.map(() => Math.floor(r.next() * r.next() * CLASSES.length));
  const coordinates = Array.from({ length: COMPONENTS }, () => new Array(n));
  const norms = new Array(n), flags = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let c = 0; c < COMPONENTS; c++) {
      let v = centres[cls[i]][c] + r.normal() / (1 + c * 0.4);
      if (i % 500 === 499) { v *= 4; flags[i] |= 4; }
      coordinates[c][i] = v;
      sq += v * v;
    }
    norms[i] = Math.sqrt(sq + 40);
  }
  for (const z of [7, 8]) {
    for (let c = 0; c < COMPONENTS; c++) coordinates[c][z] = -0.4 / (c + 1);
    norms[z] = 0;
    flags[z] = 1 | (z === 8 ? 2 : 0);
  }
  for (let i = 997; i < n; i += 997) {
    for (let c = 0; c < COMPONENTS; c++) coordinates[c][i] = coordinates[c][i - 1];
    norms[i] = norms[i - 1];
    flags[i] |= 2;
  }
  const raw = Array.from({ length: COMPONENTS }, (_, c) => 1 / (c + 1.3) ** 1.4);
  const total = raw.reduce((a, b) => a + b, 0) * 3.1;
  const explained = raw.map(x => Math.round((x / total) * 1e4) / 1e4);
  const round = a => a.map(v => Math.round(v * 1e5) / 1e5);
  return {
    rows, x: round(coordinates[0]), y: round(coordinates[1]), components: [1, 2], explained: explained.slice(0, 2),
    available: { components: Array.from({ length: COMPONENTS }, (_, c) => c + 1), explained, coordinates: coordinates.map(round) },
    norms: round(norms), flags, rowsEligible: eligible, leftOut: { nan: 12, inf: 3, null: 2 },
    sampleMethod: `uniform sample of ${n} of ${eligible} finite rows (seed 0)`, seed: 0,
    formula: 'x_i = (v_i − μ)·u_k, u_k the unit eigenvector of the covariance for λ_k, signed so its largest entry is positive',
    _classes: cls,
  };
}

/** The 'rowMetadata' message for a sample: a label, a text (some hostile, some long) and a numeric column; row 5 has none. */
export function rowMetadataSample(p) {
  const { _classes: cls } = p;
  const rows = p.rows.filter((_, i) => i !== 5);
  const at = p.rows.map((_, i) => i).filter(i => i !== 5);
  const text = i => (i % 3 === 0 ? `<script>window.__xss=2</script> headline ${i} & "quotes"`
    : i % 3 === 1 ? `A long article text about ${CLASSES[cls[i]]} that goes on and on `.repeat(6) : `Short note ${i}`);
  return {
    type: 'rowMetadata',
    metadata: {
      source: 'columns of corpus.parquet', rows,
      columns: [
        { name: 'topic', role: 'label', values: at.map(i => (i % 211 === 0 ? null : CLASSES[cls[i]])) },
        { name: 'title', role: 'text', values: at.map(text) },
        { name: 'score', role: 'numeric', values: at.map(i => (i % 101 === 0 ? null : Math.round(Math.sin(i / 97) * 1000) / 100)) },
        { name: 'id', role: 'id', values: at.map(i => `doc-${p.rows[i]}`) },
      ],
      labelColumn: 'topic', textColumn: 'title',
    },
  };
}

/** The sample report with a projection of n rows, then its row metadata (as the host sends them). */
export function projectionMessages(report, n) {
  const projection = projectionSample(n, 99988);
  const meta = rowMetadataSample(projection);
  delete projection._classes;
  return [{ type: 'report', report: { ...report, projection } }, meta];
}

const stageBox = page => page.locator('#projection-stage').boundingBox();

/** Drives the section like a user; returns problems found. */
export async function driveProjection(page, isWebviewToHost) {
  const problems = [];
  await page.locator('#projection-stage').scrollIntoViewIfNeeded();
  const box = await stageBox(page);
  if (!box) return { problems: ['no #projection-stage'], exports: [] };
  // hover: find a point by sweeping the pointer across the middle
  let readout = null;
  for (let f = 0.3; f < 0.8 && !readout; f += 0.01) {
    await page.mouse.move(box.x + box.width * f, box.y + box.height * 0.5);
    await page.waitForTimeout(30);
    readout = await page.evaluate(() => document.getElementById('projection-readout')?.textContent ?? null);
  }
  if (!readout) problems.push('hovering the plot showed no read-out');
  // hostile texts are text: nothing they contain ran or became an element
  const xss = await page.evaluate(() => ({ flag: window.__xss ?? null, elements: document.querySelectorAll('#projection-section img, #projection-section script').length }));
  if (xss.flag !== null || xss.elements) problems.push(`hostile metadata became markup: ${JSON.stringify(xss)}`);
  // a click on a point posts openRow
  const before = await page.evaluate(() => window.__posted.length);
  await page.mouse.down();
  await page.mouse.up();
  const opened = await page.evaluate(n => window.__posted.slice(n).filter(m => m.type === 'openRow'), before);
  if (opened.length !== 1) problems.push(`clicking a point posted ${JSON.stringify(opened)}`);
  // the keyboard: arrows step through points, the live region speaks, + zooms
  await page.focus('#projection-stage');
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', '+', '+', '-']) await page.keyboard.press(key);
  await page.waitForFunction(() => /^Point 3 of /.test(document.getElementById('projection-live')?.textContent ?? ''), null, { timeout: 5000 }).catch(() => {});
  const live = await page.evaluate(() => document.getElementById('projection-live')?.textContent ?? '');
  if (!/^Point 3 of /.test(live)) problems.push(`the keyboard cursor announced ${JSON.stringify(live)}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('0');
  // the legend hides a class
  await page.click('#projection-legend .projection-legend-entry');
  // the view redraws on the next animation frame
  await page.waitForFunction(() => document.querySelector('#projection-legend .projection-legend-entry')?.getAttribute('aria-pressed') === 'false', null, { timeout: 5000 }).catch(() => {});
  const pressed = await page.evaluate(() => document.querySelector('#projection-legend .projection-legend-entry')?.getAttribute('aria-pressed'));
  if (pressed !== 'false') problems.push(`a legend click left the entry ${pressed}`);
  await page.click('#projection-legend .projection-legend-entry');
  // box selection with shift-drag over the middle of the plot, then a listed row opens
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.6, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.waitForSelector('#projection-selection-count', { timeout: 5000 }).catch(() => {});
  const sel = await page.evaluate(() => ({
    count: document.getElementById('projection-selection-count')?.textContent ?? '',
    listed: document.querySelectorAll('#projection-selection li').length,
  }));
  if (!/rows? selected/.test(sel.count) || sel.listed < 1 || sel.listed > 100) problems.push(`box selection: ${JSON.stringify(sel)}`);
  const n2 = await page.evaluate(() => window.__posted.length);
  await page.click('#projection-selection li a');
  const listedOpen = await page.evaluate(n => window.__posted.slice(n).filter(m => m.type === 'openRow'), n2);
  if (listedOpen.length !== 1) problems.push(`a listed row posted ${JSON.stringify(listedOpen)}`);
  // another pair of components and colour by finding
  await page.selectOption('#projection-y', '3');
  await page.selectOption('#projection-colour', 'finding');
  await page.waitForFunction(() => (document.querySelector('#projection-axes .axis-title:last-of-type')?.textContent ?? '').startsWith('PC3'), null, { timeout: 5000 }).catch(() => {});
  const title = await page.evaluate(() => document.querySelector('#projection-axes .axis-title:last-of-type')?.textContent ?? '');
  if (!title.startsWith('PC3')) problems.push(`the y axis after picking PC3 reads ${JSON.stringify(title)}`);
  // exports
  const n3 = await page.evaluate(() => window.__posted.length);
  for (const id of ['#export-projection-svg', '#export-projection-png', '#export-projection-csv']) await page.click(id);
  await page.waitForFunction(n => window.__posted.slice(n).filter(m => m.type === 'exportPlot' || m.type === 'exportCsv').length >= 3, n3, { timeout: 15000 })
    .catch(() => problems.push('the projection exports did not all post'));
  const posted = await page.evaluate(n => window.__posted.slice(n), n3);
  for (const m of posted) if (!isWebviewToHost(m)) problems.push(`posted message the host would refuse: ${JSON.stringify(m).slice(0, 120)}`);
  const svg = posted.find(m => m.type === 'exportPlot' && m.format === 'svg');
  const csv = posted.find(m => m.type === 'exportCsv');
  if (svg) {
    const circles = (svg.data.match(/<circle/g) ?? []).length;
    console.log(`  projection.svg: ${circles} points, ${(svg.data.length / 1024).toFixed(0)} KiB${/SVG shows/.test(svg.data) ? ', with the decimation note' : ''}`);
    if (circles > 5000) problems.push(`projection.svg holds ${circles} points`);
    if (/<script|onerror="/.test(svg.data)) problems.push('projection.svg carries markup from the labels');
  }
  if (csv) {
    const lines = csv.data.trimEnd().split('\r\n');
    console.log(`  projection.csv: ${lines.length - 1} rows; header ${lines[0]}`);
  }
  return { problems, exports: posted };
}

/**
 * Frame times while panning: the pointer drags across the plot for ~2 s; the page's rAF
 * callbacks are timed (interval between frames) and the view's own paint time (User Timing
 * 'projection-paint'). Printed, never asserted.
 */
export async function benchPan(page, label) {
  await page.locator('#projection-stage').scrollIntoViewIfNeeded();
  const box = await stageBox(page);
  await page.evaluate(() => {
    performance.clearMeasures('projection-paint');
    window.__frames = [];
    const tick = t => { window.__frames.push(t); if (window.__recording) requestAnimationFrame(tick); };
    window.__recording = true;
    requestAnimationFrame(tick);
    // main-thread tasks over 50 ms: a long frame without one was lost outside the page's script (compositor, a busy machine)
    window.__longTasks = [];
    try { new PerformanceObserver(l => window.__longTasks.push(...l.getEntries().map(e => e.duration))).observe({ type: 'longtask' }); } catch { /* not offered */ }
  });
  const x0 = box.x + box.width * 0.3, y0 = box.y + box.height * 0.5;
  const mark = (name) => page.evaluate(n => { (window.__marks ??= []).push([n, performance.now()]); }, name);
  await page.mouse.move(x0, y0);
  await mark('down');
  await page.mouse.down();
  const start = Date.now();
  for (let i = 0; Date.now() - start < 2000; i++) {
    await page.mouse.move(x0 + 200 * Math.sin(i / 10), y0 + 80 * Math.cos(i / 13));
    await page.waitForTimeout(8);
  }
  await mark('up');
  await page.mouse.up();
  // zoom in with the wheel a few notches, pan again briefly
  await mark('wheel');
  for (let i = 0; i < 6; i++) { await page.mouse.wheel(0, -120); await page.waitForTimeout(30); }
  const stats = await page.evaluate(() => {
    window.__recording = false;
    const f = window.__frames;
    // where each long frame ends: after the press, during the drag, after the release, during the wheel
    const phase = t => { let p = 'before'; for (const [n, at] of window.__marks ?? []) if (at <= t) p = n === 'down' ? 'drag' : n === 'up' ? 'release' : 'wheel'; return p; };
    const long = f.slice(1).map((t, i) => [t - f[i], t]).filter(([g]) => g > 50).map(([g, t]) => `${g.toFixed(0)} ms (${phase(t)})`);
    const gaps = f.slice(1).map((t, i) => t - f[i]).sort((a, b) => a - b);
    const paints = performance.getEntriesByName('projection-paint').map(e => e.duration).sort((a, b) => a - b);
    const q = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))] : NaN);
    return {
      frames: gaps.length, frameP50: q(gaps, 0.5), frameP95: q(gaps, 0.95), frameMax: gaps.at(-1), over50: gaps.filter(g => g > 50).length, long,
      longTasks: window.__longTasks.map(d => d.toFixed(0)),
      paints: paints.length, paintP50: q(paints, 0.5), paintP95: q(paints, 0.95), paintMax: paints.at(-1),
    };
  });
  const ms = x => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
  console.log(`  bench ${label}: ${stats.frames} frames while panning, frame interval p50 ${ms(stats.frameP50)}, p95 ${ms(stats.frameP95)}, max ${ms(stats.frameMax)}, `
    + `${stats.over50} over 50 ms${stats.long.length ? ` (${stats.long.join(', ')})` : ''}; main-thread tasks over 50 ms: ${stats.longTasks.length ? stats.longTasks.map(d => `${d} ms`).join(', ') : 'none'}; the view's paint (${stats.paints}) p50 ${ms(stats.paintP50)}, p95 ${ms(stats.paintP95)}, max ${ms(stats.paintMax)}`);
  return stats;
}
