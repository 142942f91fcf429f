/** Number and shape formatting shared by the text, Markdown and hover renderers. */

export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join(' × ');
}

/** Four significant digits, plain for moderate magnitudes, exponent otherwise; never a bare NaN. */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return 'n/a';
  if (Number.isNaN(x)) return 'n/a (NaN)';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

export function formatPercent(fraction: number, digits = 3): string {
  return `${Number((100 * fraction).toPrecision(digits))}%`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
