import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cssVarNames, finishSvg, paintAttributes, parseColour, pngSize, resolveCssVars, stripComments, svgDataUrl, toHex } from '../../webview/svgExport';

test('resolveCssVars: theme variables from the map, fallbacks otherwise, nested and chained', () => {
  const map = { '--vscode-foreground': '#cccccc', '--vscode-charts-blue': '#3794ff', '--series': 'var(--vscode-charts-blue)', '--empty': '  ' };
  assert.equal(resolveCssVars('fill: var(--vscode-foreground)', map), 'fill: #cccccc');
  assert.equal(resolveCssVars('var(--vscode-charts-lines, rgba(204, 204, 204, 0.5))', map), 'rgba(204, 204, 204, 0.5)');
  assert.equal(resolveCssVars('var(--nope, var(--vscode-foreground))', map), '#cccccc');
  assert.equal(resolveCssVars('var(--series)', map), '#3794ff', 'a variable defined by another variable');
  assert.equal(resolveCssVars('var(--empty, red)', map), 'red', 'an empty value uses the fallback');
  assert.equal(resolveCssVars('var(--nope)', map), 'currentColor');
  assert.equal(resolveCssVars('var(--nope)', map, '#000'), '#000');
  assert.equal(resolveCssVars('a var(--vscode-foreground) b var(--vscode-charts-blue) c', name => map[name as keyof typeof map]), 'a #cccccc b #3794ff c');
  assert.equal(resolveCssVars('no variables here', map), 'no variables here');
  assert.equal(resolveCssVars('var(--loop)', { '--loop': 'var(--loop)' }, 'x'), 'x', 'a cycle does not hang');
  assert.equal(resolveCssVars('broken var(--a, (', map), 'broken var(--a, (', 'unbalanced text is left alone');
  assert.deepEqual(cssVarNames('var(--a) var( --b, var(--c)) var(--a)'), ['--a', '--b', '--c']);
});

test('parseColour and toHex: the forms getComputedStyle returns', () => {
  assert.deepEqual(parseColour('rgb(55, 148, 255)'), { r: 55, g: 148, b: 255, a: 1 });
  assert.deepEqual(parseColour('rgba(204, 204, 204, 0.5)'), { r: 204, g: 204, b: 204, a: 0.5 });
  assert.deepEqual(parseColour('rgb(204 204 204 / 50%)'), { r: 204, g: 204, b: 204, a: 0.5 });
  assert.deepEqual(parseColour('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColour('#ffffff17'), { r: 255, g: 255, b: 255, a: 0.09 });
  assert.deepEqual(parseColour('transparent'), { r: 0, g: 0, b: 0, a: 0 });
  assert.equal(parseColour('none'), null);
  assert.equal(parseColour('url(#g)'), null);
  assert.equal(toHex({ r: 55, g: 148, b: 255, a: 1 }), '#3794ff');
  assert.equal(toHex({ r: 0, g: 5, b: 10, a: 1 }), '#00050a');
});

test('paintAttributes: computed paint as portable presentation attributes', () => {
  const computed = (values: Record<string, string>) => (p: string) => values[p] ?? '';
  const line = paintAttributes('line', computed({
    fill: 'rgb(0, 0, 0)', stroke: 'rgba(204, 204, 204, 0.5)', 'stroke-width': '1px', 'stroke-opacity': '0.55',
    'stroke-dasharray': 'none', opacity: '1', 'stroke-linecap': 'butt', 'stroke-linejoin': 'miter', 'fill-opacity': '1',
  }));
  // SVG defaults are left out; the alpha of rgba is folded into stroke-opacity
  assert.deepEqual(Object.fromEntries(line), { stroke: '#cccccc', 'stroke-opacity': '0.275' });
  const path = Object.fromEntries(paintAttributes('path', computed({ fill: 'none', stroke: 'rgb(55, 148, 255)', 'stroke-width': '2px', 'stroke-dasharray': '7px, 4px' })));
  assert.deepEqual(path, { fill: 'none', stroke: '#3794ff', 'stroke-width': '2px', 'stroke-dasharray': '7px, 4px' });
  const transparent = Object.fromEntries(paintAttributes('rect', computed({ fill: 'rgba(0, 0, 0, 0)' })));
  assert.equal(transparent.fill, 'none');
  const text = Object.fromEntries(paintAttributes('text', computed({ fill: 'rgb(204, 204, 204)', 'font-family': '"DejaVu Sans Mono", monospace', 'font-size': '11px', 'font-weight': '400' })));
  assert.deepEqual(text, { fill: '#cccccc', 'font-family': '"DejaVu Sans Mono", monospace', 'font-size': '11px' });
  assert.deepEqual(paintAttributes('g', computed({ fill: 'rgb(1, 2, 3)' })), [], 'groups are not painted');
  assert.ok(!Object.fromEntries(paintAttributes('rect', computed({ 'font-family': 'serif' })))['font-family'], 'fonts only on text');
});

test('finishSvg: namespace, background behind the plot, no lit comments, starts with <svg', () => {
  const raw = '<svg width="10" height="5" class="plot"><title>T</title><desc>D &amp; more</desc><!--?lit$1$--><g><!----><line x1="0"/></g></svg>';
  const out = finishSvg(raw, { background: '#1f1f1f', fontFamily: '"Segoe UI", sans-serif' });
  assert.ok(out.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(out.includes('font-family="&quot;Segoe UI&quot;, sans-serif"'));
  assert.ok(!out.includes('<!--'));
  assert.ok(out.includes('</desc><rect class="export-background" x="0" y="0" width="100%" height="100%" fill="#1f1f1f"/><g>'),
    'the background follows the title and description and precedes the drawing');
  const already = finishSvg('<svg xmlns="http://www.w3.org/2000/svg" width="1"><g/></svg>', { background: '#fff' });
  assert.equal((already.match(/xmlns=/g) ?? []).length, 1);
  assert.ok(already.includes('width="1"><rect'));
  assert.throws(() => finishSvg('<div></div>'));
  assert.equal(stripComments('a<!-- x -->b<!---->c'), 'abc');
});

test('PNG size and the SVG data URL', () => {
  assert.deepEqual(pngSize(548, 300), { width: 1096, height: 600 });
  assert.deepEqual(pngSize(0.2, 0.2, 2), { width: 1, height: 1 });
  const url = svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg"><text>a & b #1</text></svg>');
  assert.ok(url.startsWith('data:image/svg+xml;charset=utf-8,'));
  assert.ok(!url.includes('#') && !url.includes('<'));
  assert.equal(decodeURIComponent(url.slice(url.indexOf(',') + 1)), '<svg xmlns="http://www.w3.org/2000/svg"><text>a & b #1</text></svg>');
});
