/**
 * The prism of learning regimes as an inline SVG: five named faces, the nearest highlighted
 * (and the second face near a shared edge outlined), the configuration as a marked point with
 * the prism's cross-section at its depth. Geometry and the coordinate mapping are in
 * regimeGeometry.ts; colours come from classes styled in styles.css (--vscode-* variables).
 */
import { html, nothing, svg, type TemplateResult } from 'lit';
import type { RegimeReport } from '../src/core/regime/regimeReport';
import { FACE_IDS, FACE_NAMES, type FaceId } from '../src/core/regime/prismPlacement';
import { formatNumber } from './format';
import { plotSvg } from './plotParts';
import { prismItems } from './plotReadouts';
import {
  corner, describePosition, FACE_CONDITION, faceLabel, FACE_ORDER, facePolygon, HIDDEN_FACES, MAPPING_NOTE,
  polygonPoints, PRISM_VIEW, prismPoint, prismPosition, sliceAt,
} from './regimeGeometry';

type Placement = RegimeReport['placement'];

/** `large-data ε = 0.2 (nearest), small-data ε = 14.1, …`: the accessible list of distances. */
export function distanceList(p: Placement): string {
  return FACE_IDS.map(f => `${FACE_NAMES[f]} \u03b5 = ${formatNumber(p.distances[f].value, 3)}${f === p.nearest ? ' (nearest)' : ''}`).join(', ');
}

/** The prism's keyboard cursor: which stop of prismItems() it is on, and how to move it. */
export interface PrismCursor {
  position: number | null;
  select(position: number | null): void;
}

export function prismFigure(p: Placement, cursor: PrismCursor): TemplateResult {
  const coords = { latent: p.coordinates.latent.value, data: p.coordinates.data.value, init: p.coordinates.init.value };
  const pos = prismPosition(coords);
  const pt = prismPoint(pos);
  const slice = sliceAt(pos.w);
  const where = describePosition(coords, pos);
  const clampNote = pos.clamped.length ? ` Clamped to the edge of the drawing: ${pos.clamped.join(', ')} coordinate${pos.clamped.length > 1 ? 's' : ''}.` : '';
  const label = `Prism of learning regimes. Distances to the faces: ${distanceList(p)}. The configuration is marked: ${where}`;
  // The same words as the tooltips, one stop per item for the keyboard: the point, then each face.
  const items = prismItems(p, `${where}${clampNote}`);
  const text = (id: 'config' | FaceId) => items.find(i => i.id === id)!.text;
  const position = cursor.position !== null && items[cursor.position] ? cursor.position : null;
  const at = position === null ? null : items[position];
  const faceClass = (f: FaceId) => ['face', `face-${f}`, HIDDEN_FACES.has(f) ? 'hidden' : '',
    f === p.nearest ? (p.interior ? 'nearest interior' : 'nearest') : '', f === p.nearEdge ? 'second' : '', at?.id === f ? 'cursor' : ''].filter(Boolean).join(' ');
  const front = { A: corner('A', 0), B: corner('B', 0), E: corner('E', 0) };
  const drawing = plotSvg({
    id: 'regime-prism', cls: 'prism', label, title: 'Prism of learning regimes of the weight-tied linear autoencoder',
    description: `Triangular prism: the large-data triangle in front, the small-data triangle at the back, and three side faces: free (A\u2013B, top), `
      + `mean-field (B\u2013E, right) and narrow-latent (E\u2013A, hidden on the left). The nearest face, ${p.nearestName}, is highlighted. `
      + `Distances: ${distanceList(p)}. Position: ${MAPPING_NOTE} ${where}`,
    viewBox: PRISM_VIEW,
    cursor: { count: items.length, position, select: cursor.select, announcement: at ? at.text : '' },
  }, svg`
    ${FACE_ORDER.map(f => svg`<polygon class=${faceClass(f)} points=${polygonPoints(facePolygon(f))}><title>${text(f)}</title></polygon>`)}
    <polygon class="prism-slice" points=${polygonPoints(slice)} aria-hidden="true"><title>${`Cross-section at the configuration's depth (data coordinate log(p/n) = ${formatNumber(coords.data, 3)})`}</title></polygon>
    ${FACE_ORDER.map(f => {
      const l = faceLabel(f);
      const cls = `face-label${f === p.nearest ? ' nearest' : ''}${HIDDEN_FACES.has(f) ? ' hidden' : ''}`;
      return svg`<text class=${cls} x=${l.x} y=${l.y} text-anchor=${l.anchor} aria-hidden="true">${FACE_NAMES[f]}<tspan class="face-condition" x=${l.x} dy="13">${FACE_CONDITION[f]}${HIDDEN_FACES.has(f) ? (f === 'SD' ? ' (back)' : ' (hidden)') : ''}</tspan></text>`;
    })}
    <g class="prism-vertex" aria-hidden="true">
      <text x=${front.A.x - 6} y=${front.A.y + 2} text-anchor="end">A</text>
      <text x=${front.B.x + 7} y=${front.B.y + 4} text-anchor="start">B</text>
      <text x=${front.E.x} y=${front.E.y + 15} text-anchor="middle">E</text>
    </g>
    <g class=${`config-point${at?.id === 'config' ? ' cursor' : ''}`}>
      <title>${text('config')}</title>
      <circle class="config-halo" cx=${pt.x} cy=${pt.y} r="9"></circle>
      <circle class="config-dot" cx=${pt.x} cy=${pt.y} r="4.5"></circle>
    </g>`);
  return html`<figure class="prism-figure" id="regime-prism-figure">
    ${drawing}
    ${at ? html`<p class="prism-readout" id="regime-prism-readout" aria-hidden="true">${at.text}</p>` : nothing}
    <figcaption>
      <span class="prism-key"><span class="key-dot" aria-hidden="true"></span>this configuration</span>
      <span class="prism-key"><span class="key-face" aria-hidden="true"></span>nearest face: ${p.nearestName}</span>
      ${p.nearEdge ? html`<span class="prism-key"><span class="key-face second" aria-hidden="true"></span>near edge: ${FACE_NAMES[p.nearEdge]}</span>` : nothing}
      ${pos.clamped.length ? html`<span class="prism-key clamped" title=${`Closer to a face than \u03b5 = 0.1 along this axis: drawn on the face.${clampNote}`}>clamped: ${pos.clamped.join(', ')}</span>` : nothing}
      <span class="prism-mapping" title=${`${MAPPING_NOTE} ${where}`}>How the point is placed</span>
    </figcaption>
  </figure>`;
}
