// twin's 3D viewer: a Streamlit component (API version 1) drawing the site with vtk.js.
//
// The page loads once and then receives new scenes as `streamlit:render` messages:
// `header` (JSON: layout key, counts, component ids, legend) and `data` (one binary blob,
// per box: bounds float32 x0 x1 y0 y1 z0 z1, owner int32, RGB uint8; every item in the
// scene is an axis-aligned box, and the viewer builds the boxes' faces itself). The camera is kept
// while the layout stays the same. A click (not a drag) on a rack or piece of equipment
// sends its id back with `streamlit:setComponentValue`. Only WebGL (OpenGL) classes are
// imported, to keep the bundle small.

import '@kitware/vtk.js/Rendering/OpenGL/Camera.js';
import '@kitware/vtk.js/Rendering/OpenGL/Renderer.js';
import '@kitware/vtk.js/Rendering/OpenGL/Actor.js';
import '@kitware/vtk.js/Rendering/OpenGL/Actor2D.js';
import '@kitware/vtk.js/Rendering/OpenGL/PolyDataMapper.js';
import '@kitware/vtk.js/Rendering/OpenGL/PolyDataMapper2D.js';
import '@kitware/vtk.js/Rendering/OpenGL/PixelSpaceCallbackMapper.js';
import '@kitware/vtk.js/Rendering/OpenGL/ScalarBarActor.js';
import '@kitware/vtk.js/Rendering/OpenGL/Texture.js';
import vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow.js';
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow.js';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer.js';
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor.js';
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera.js';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor.js';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper.js';
import vtkScalarBarActor from '@kitware/vtk.js/Rendering/Core/ScalarBarActor.js';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction.js';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import { FieldAssociations } from '@kitware/vtk.js/Common/DataModel/DataSet/Constants.js';

const BACKGROUND = [0xf4 / 255, 0xf6 / 255, 0xf8 / 255];
const HIGHLIGHT_RGB = [1.0, 0.83, 0.0]; // the selected item's beacon
const CLICK_PX = 5; // a press that moves less than this is a click, not a drag
const CLICK_MS = 600;

// ------------------------------------------------------------------ Streamlit protocol
function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, apiVersion: 1, type, ...data }, '*');
}
const setValue = (value) => send('streamlit:setComponentValue', { value, dataType: 'json' });
const setHeight = (height) => send('streamlit:setFrameHeight', { height });

// ------------------------------------------------------------------ vtk.js set-up
const root = document.getElementById('root');
const view = document.createElement('div');
view.id = 'view';
root.appendChild(view);
const legendEl = document.createElement('div');
legendEl.id = 'legend';
root.appendChild(legendEl); // below the view, never over it (see index.html)
const labelsEl = document.createElement('div');
labelsEl.id = 'labels';
view.appendChild(labelsEl);
const tipEl = document.createElement('div');
tipEl.id = 'tip';
view.appendChild(tipEl);
const tools = document.createElement('div');
tools.id = 'tools';
view.appendChild(tools);
const resetBtn = document.createElement('button');
resetBtn.textContent = 'Reset view';
resetBtn.title = 'Frame the whole site again';
tools.appendChild(resetBtn);
const esc = (t) => String(t).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

const renderWindow = vtkRenderWindow.newInstance();
const renderer = vtkRenderer.newInstance({ background: BACKGROUND });
renderWindow.addRenderer(renderer);
const glWindow = vtkOpenGLRenderWindow.newInstance();
glWindow.setContainer(view);
renderWindow.addView(glWindow);
const interactor = vtkRenderWindowInteractor.newInstance();
interactor.setView(glWindow);
interactor.initialize();
interactor.bindEvents(view);
interactor.setInteractorStyle(vtkInteractorStyleTrackballCamera.newInstance());

const mesh = vtkPolyData.newInstance();
const mapper = vtkMapper.newInstance({ scalarVisibility: true });
mapper.setInputData(mesh);
mapper.setScalarModeToUseCellData();
mapper.setColorModeToDirectScalars();
const actor = vtkActor.newInstance();
actor.setMapper(mapper);
actor.getProperty().setAmbient(0.25);
actor.getProperty().setDiffuse(0.8);
renderer.addActor(actor);

// the selection: a wire box around the item and a beacon above it
const wire = vtkPolyData.newInstance();
const wireActor = vtkActor.newInstance({ pickable: false, visibility: false });
wireActor.setMapper(vtkMapper.newInstance({ scalarVisibility: false }));
wireActor.getMapper().setInputData(wire);
wireActor.getProperty().setColor(0.05, 0.05, 0.05);
wireActor.getProperty().setLineWidth(3);
wireActor.getProperty().setLighting(false);
renderer.addActor(wireActor);
const beacon = vtkPolyData.newInstance();
const beaconActor = vtkActor.newInstance({ pickable: false, visibility: false });
beaconActor.setMapper(vtkMapper.newInstance({ scalarVisibility: false }));
beaconActor.getMapper().setInputData(beacon);
beaconActor.getProperty().setColor(...HIGHLIGHT_RGB);
renderer.addActor(beaconActor);

// violations: red outlines around every marked item (one line mesh)
const marks = vtkPolyData.newInstance();
const marksActor = vtkActor.newInstance({ pickable: false, visibility: false });
marksActor.setMapper(vtkMapper.newInstance({ scalarVisibility: false }));
marksActor.getMapper().setInputData(marks);
marksActor.getProperty().setColor(0.86, 0.0, 0.0);
marksActor.getProperty().setLineWidth(2);
marksActor.getProperty().setLighting(false);
renderer.addActor(marksActor);
// the selected item's power and cooling paths: coloured lines, one colour per path
const pathMesh = vtkPolyData.newInstance();
const pathMapper = vtkMapper.newInstance({ scalarVisibility: true });
pathMapper.setInputData(pathMesh);
pathMapper.setScalarModeToUseCellData();
pathMapper.setColorModeToDirectScalars();
const pathActor = vtkActor.newInstance({ pickable: false, visibility: false });
pathActor.setMapper(pathMapper);
pathActor.getProperty().setLineWidth(4);
pathActor.getProperty().setLighting(false);
renderer.addActor(pathActor);

const lut = vtkColorTransferFunction.newInstance();
const scalarBar = vtkScalarBarActor.newInstance();
scalarBar.setScalarsToColors(lut);
scalarBar.setDrawNanAnnotation(false);
scalarBar.setDrawBelowRangeSwatch(false);
scalarBar.setDrawAboveRangeSwatch(false);
scalarBar.setOrientationToVertical();
// The scalar bar has its own strip at the right, a second renderer next to the scene's:
// the camera frames the site in what is left, so the bar never covers the scene, at any
// size of the view. Its text sizes are fixed in CSS pixels (vtk.js would scale them with
// the strip's size).
const barRenderer = vtkRenderer.newInstance({ background: BACKGROUND, interactive: false });
renderWindow.addRenderer(barRenderer);
barRenderer.addActor2D(scalarBar);
const BAR_PX = 104; // CSS pixels: ticks like "1,250" or "24.6", the bar, a rotated title
function setBarText(dpr) {
  const text = { fontColor: '#1f2328', fontStyle: 'normal', fontFamily: 'sans-serif' };
  scalarBar.setAxisTextStyle({ ...text, fontSize: Math.round(14 * dpr) });
  scalarBar.setTickTextStyle({ ...text, fontSize: Math.round(12 * dpr) });
}
setBarText(window.devicePixelRatio || 1);

const selector = glWindow.getSelector();
selector.setFieldAssociation(FieldAssociations.FIELD_ASSOCIATION_CELLS);

// ------------------------------------------------------------------ state
const state = {
  digest: null, // of the scene on screen
  geometry: null, // digest of its geometry (points, cells, ids, labels)
  layout: null, // layout key: a new layout resets the camera
  ids: [],
  owner: null, // Int32Array: box -> index into ids (-1: not selectable); cell c is box c / 6
  bounds: null, // Float32Array: per box x0 x1 y0 y1 z0 z1
  selected: null,
  serverSelected: null,
  clicks: 0,
  height: 0,
  hasBar: false, // the scene has scalars: the scalar bar's strip is shown
  header: null, // of the scene on screen: values, kinds, labels, marks for hover and labels
  marked: new Map(), // id -> what is wrong with it
  pathsKey: '', // the paths on screen (JSON)
  pathLegend: [],
};

// the scene's viewport: all of the view, less the scalar bar's strip when there is one
function layoutViewports() {
  const r = view.getBoundingClientRect();
  const f = state.hasBar ? Math.min(0.5, BAR_PX / Math.max(r.width, 1)) : 0;
  renderer.setViewport(0, 0, 1 - f, 1);
  barRenderer.setViewport(1 - f, 0, 1, 1);
  barRenderer.setDraw(f > 0);
  return f;
}

// the canvas size from the view's (the ResizeObserver may not have run before a scene)
function syncSize() {
  const r = view.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  glWindow.setSize(Math.max(1, Math.floor(r.width * dpr)), Math.max(1, Math.floor(r.height * dpr)));
  return dpr;
}

function resize() {
  const dpr = syncSize();
  setBarText(dpr);
  layoutViewports();
  renderer.resetCameraClippingRange();
  renderWindow.render();
  captureSoon();
}
new ResizeObserver(resize).observe(view);

function resetCamera() {
  const cam = renderer.getActiveCamera();
  cam.setFocalPoint(0, 0, 0);
  cam.setPosition(1, -1, 0.9); // from the south-east, looking down: like pyvista's isometric view
  cam.setViewUp(0, 0, 1);
  renderer.resetCamera();
  // vtk.js fits the site's bounding sphere into the vertical view angle, which crops a
  // long site in a narrow viewport and leaves a compact one small: zoom so that the
  // corners of the site's bounding box just fit (FILL of the viewport's half-size)
  const FILL = 0.94;
  syncSize();
  const [w, h] = glWindow.getSize();
  const [x0, y0, x1, y1] = renderer.getViewport();
  const aspect = ((x1 - x0) * w) / Math.max((y1 - y0) * h, 1);
  const b = mesh.getBounds();
  let reach = 0;
  for (let i = 0; i < 8; i++) {
    const d = renderer.worldToNormalizedDisplay(b[i & 1], b[2 + ((i >> 1) & 1)], b[4 + (i >> 2)], aspect);
    const u = (d[0] - x0) / (x1 - x0);
    const v = (d[1] - y0) / (y1 - y0);
    reach = Math.max(reach, Math.abs(2 * u - 1), Math.abs(2 * v - 1));
  }
  cam.zoom(reach > 0 && Number.isFinite(reach) ? FILL / reach : 1.1);
  renderer.resetCameraClippingRange();
}

// ------------------------------------------------------------------ scene
function unpack(header, bytes) {
  // copy: the bytes may be a view at an unaligned offset of a larger buffer
  const buf = bytes.slice().buffer;
  const n = header.n_boxes;
  const bounds = new Float32Array(buf, 0, 6 * n);
  const owner = new Int32Array(buf, 24 * n, n);
  const rgb = new Uint8Array(buf, 28 * n, 3 * n);
  return { bounds, owner, rgb };
}

// corners and faces of each box, in the order of twin.viz.geometry.boxes
const CORNER_HI = [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]];
const FACES = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]];
function boxMesh(bounds) {
  const n = bounds.length / 6;
  const points = new Float32Array(24 * n);
  const polys = new Uint32Array(30 * n);
  for (let i = 0; i < n; i++) {
    const b = 6 * i;
    for (let c = 0; c < 8; c++) {
      const hi = CORNER_HI[c];
      const p = 24 * i + 3 * c;
      points[p] = bounds[b + hi[0]];
      points[p + 1] = bounds[b + 2 + hi[1]];
      points[p + 2] = bounds[b + 4 + hi[2]];
    }
    for (let f = 0; f < 6; f++) {
      const q = 30 * i + 5 * f;
      const face = FACES[f];
      polys[q] = 4;
      for (let k = 0; k < 4; k++) polys[q + 1 + k] = 8 * i + face[k];
    }
  }
  return { points, polys };
}

// one colour per box -> one per face
function cellColours(rgb) {
  const n = rgb.length / 3;
  const out = new Uint8Array(18 * n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 6; f++) {
      out[18 * i + 3 * f] = rgb[3 * i];
      out[18 * i + 3 * f + 1] = rgb[3 * i + 1];
      out[18 * i + 3 * f + 2] = rgb[3 * i + 2];
    }
  }
  return out;
}

function showScene(header, bytes) {
  const { bounds, owner, rgb } = unpack(header, bytes);
  const { points, polys } = boxMesh(bounds);
  mesh.getPoints().setData(points, 3);
  mesh.getPolys().setData(polys);
  state.ids = header.ids;
  state.owner = owner;
  state.bounds = bounds;
  state.geometry = header.geometry;
  showColours(header, rgb);
}

// a scene whose geometry is on screen: its cell colours and the header's values, legend,
// scalar bar and marks (the header has no ids, labels or kinds: those are the geometry's)
function showColours(header, rgb) {
  if (header.colours_only) {
    header = { ...state.header, ...header };
  }
  const colours = vtkDataArray.newInstance({ name: 'rgb', numberOfComponents: 3, values: cellColours(rgb) });
  mesh.getCellData().setScalars(colours);
  mesh.modified();

  const [lo, hi] = header.clim;
  lut.removeAllPoints();
  for (const [t, r, g, b] of header.stops) lut.addRGBPoint(lo + t * (hi - lo), r, g, b);
  lut.setMappingRange(lo, hi);
  scalarBar.setAxisLabel(header.label || 'value');
  scalarBar.setVisibility(Boolean(header.has_scalars));
  const hadBar = state.hasBar;
  state.hasBar = Boolean(header.has_scalars);
  layoutViewports();
  state.header = header;
  state.marked = new Map(Object.entries(header.warnings || {}));
  setMarks(header.marks || []);
  drawLegend();

  if (header.layout !== state.layout || hadBar !== state.hasBar) {
    state.layout = header.layout;
    resetCamera(); // the scene's viewport changed shape too when the bar came or went
  } else {
    renderer.resetCameraClippingRange();
  }
  state.digest = header.digest;
  placeLabels();
}

function drawLegend() {
  const h = state.header;
  if (!h) return;
  const items = h.legend.map(([name, hex]) => `<span class="sw"><i style="background:${hex}"></i>${esc(name)}</span>`);
  if (h.marks && h.marks.length) items.push(`<span class="sw"><i class="mark"></i>violation (${h.marks.length.toLocaleString()})</span>`);
  for (const [name, hex] of state.pathLegend) items.push(`<span class="sw"><i class="line" style="background:${hex}"></i>${esc(name)}</span>`);
  legendEl.innerHTML = items.join('');
}

const BOX_EDGES = [0, 1, 1, 2, 2, 3, 3, 0, 4, 5, 5, 6, 6, 7, 7, 4, 0, 4, 1, 5, 2, 6, 3, 7];
function setMarks(list) {
  const pad = 0.25;
  const pts = new Float32Array(list.length * 24);
  const lines = new Uint32Array(list.length * 36);
  list.forEach(([x0, x1, y0, y1, z0, z1], i) => {
    pts.set(boxPoints(x0 - pad, x1 + pad, y0 - pad, y1 + pad, z0, z1 + pad), 24 * i);
    for (let e = 0; e < 12; e++) lines.set([2, 8 * i + BOX_EDGES[2 * e], 8 * i + BOX_EDGES[2 * e + 1]], 36 * i + 3 * e);
  });
  marks.getPoints().setData(pts, 3);
  marks.getLines().setData(lines);
  marks.modified();
  marksActor.setVisibility(list.length > 0);
}

function setPaths(paths) {
  const key = JSON.stringify(paths || []);
  if (key === state.pathsKey) return false;
  state.pathsKey = key;
  const segs = [];
  const cols = [];
  state.pathLegend = [];
  for (const p of paths || []) {
    const rgb = p.rgb.map((c) => Math.round(c * 255));
    state.pathLegend.push([p.name, `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`]);
    for (const s of p.segments) {
      segs.push(s);
      cols.push(rgb);
    }
  }
  const pts = new Float32Array(segs.length * 6);
  const lines = new Uint32Array(segs.length * 3);
  const rgb = new Uint8Array(segs.length * 3);
  segs.forEach((s, i) => {
    pts.set(s, 6 * i);
    lines.set([2, 2 * i, 2 * i + 1], 3 * i);
    rgb.set(cols[i], 3 * i);
  });
  pathMesh.getPoints().setData(pts, 3);
  pathMesh.getLines().setData(lines);
  pathMesh.getCellData().setScalars(vtkDataArray.newInstance({ name: 'rgb', numberOfComponents: 3, values: rgb }));
  pathMesh.modified();
  pathActor.setVisibility(segs.length > 0);
  drawLegend();
  return true;
}

// ------------------------------------------------------------------ labels
// Hall, row and equipment names as HTML over the canvas, placed at their 3D anchor after every
// camera change; a label that would overlap one already placed is left out (halls go
// first), so names stay readable at any zoom: zoom in and more rows get their name.
const LABEL_MAX = 160;
let labelsQueued = false;
function placeLabels() {
  if (labelsQueued) return;
  labelsQueued = true;
  requestAnimationFrame(() => {
    labelsQueued = false;
    const h = state.header;
    if (!h || !h.labels) {
      labelsEl.innerHTML = '';
      return;
    }
    const r = view.getBoundingClientRect();
    const [w, hh] = glWindow.getSize();
    const [x0, y0, x1, y1] = renderer.getViewport();
    const aspect = ((x1 - x0) * w) / Math.max((y1 - y0) * hh, 1);
    const placed = [];
    const html = [];
    for (const [text, x, y, z, level] of h.labels) {
      if (placed.length >= LABEL_MAX) break;
      const d = renderer.worldToNormalizedDisplay(x, y, z, aspect);
      if (!(d[2] < 1) || d[0] < x0 || d[0] > x1 || d[1] < 0 || d[1] > 1) continue;
      const px = d[0] * r.width;
      const py = (1 - d[1]) * r.height;
      if (level !== 'hall') {
        // a row or item is named once it is big enough on screen to tell apart
        const e = renderer.worldToNormalizedDisplay(x + 1, y, z, aspect);
        const f = renderer.worldToNormalizedDisplay(x, y + 1, z, aspect);
        const pxPerM = Math.max(Math.hypot((e[0] - d[0]) * r.width, (e[1] - d[1]) * r.height),
          Math.hypot((f[0] - d[0]) * r.width, (f[1] - d[1]) * r.height));
        if (pxPerM < (level === 'row' ? 3 : 9)) continue;
      }
      const bw = (level === 'hall' ? 8.5 : level === 'row' ? 6.5 : 6) * text.length + 8;
      const bh = level === 'hall' ? 20 : level === 'row' ? 15 : 13;
      const box = [px - bw / 2, py - bh, px + bw / 2, py];
      if (placed.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) continue;
      placed.push(box);
      html.push(`<span class="lbl ${level}" style="left:${px.toFixed(0)}px;top:${py.toFixed(0)}px">${esc(text)}</span>`);
    }
    labelsEl.innerHTML = html.join('');
    window.twinViewer.labelsShown = placed.length;
  });
}
renderer.getActiveCamera().onModified(() => {
  tipEl.style.display = 'none'; // the item under the tip may have moved
  placeLabels();
});

// ------------------------------------------------------------------ hover
function formatValue(v) {
  const h = state.header;
  const d = h && Number.isInteger(h.digits) ? h.digits : 1;
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function hoverText(id) {
  const h = state.header;
  const i = state.ids.indexOf(id);
  if (i < 0 || !h) return null;
  const kind = (h.kinds && h.kinds[i]) || '';
  let text = `<b>${esc(id)}</b>${kind ? ` · ${esc(kind)}` : ''}`;
  const v = h.values ? h.values[i] : null;
  if (v != null && h.has_scalars) {
    const unit = h.unit ? ` ${h.unit}` : '';
    const name = h.unit && h.label.endsWith(` (${h.unit})`) ? h.label.slice(0, -h.unit.length - 3) : h.label;
    text += `<br>${esc(name)}: ${formatValue(v)}${esc(unit)}`;
  }
  if (state.marked.has(id)) text += `<br><span class="warn">⚠ ${esc(state.marked.get(id))}</span>`;
  return text;
}

// hover reads the idle-time capture only (a fresh pick costs 0.3-0.5 s on a campus)
function idAtCapture(clientX, clientY) {
  if (!capture || capture.key !== viewKey() || !state.owner) return undefined;
  const r = view.getBoundingClientRect();
  const [w, h] = glWindow.getSize();
  const x = Math.round(((clientX - r.left) * w) / r.width);
  const y = Math.round(h - ((clientY - r.top) * h) / r.height);
  const sel = capture.data.generateSelection(x, y, x, y);
  if (!sel.length) return null;
  const props = sel[0].getProperties();
  if (props.prop !== actor) return null;
  const index = state.owner[Math.floor(props.attributeID / 6)];
  return index >= 0 ? state.ids[index] : null;
}

let hoverAt = 0;
function hover(ev) {
  if (press) return;
  const now = performance.now();
  if (now - hoverAt < 60) return;
  hoverAt = now;
  const id = idAtCapture(ev.clientX, ev.clientY);
  if (id === undefined) return; // no capture of this view yet: keep what is shown
  const text = id ? hoverText(id) : null;
  window.twinViewer.hovered = id;
  if (!text) {
    tipEl.style.display = 'none';
    return;
  }
  const r = view.getBoundingClientRect();
  tipEl.innerHTML = text;
  tipEl.style.display = 'block';
  const left = Math.min(ev.clientX - r.left + 14, r.width - tipEl.offsetWidth - 4);
  const top = Math.min(ev.clientY - r.top + 14, r.height - tipEl.offsetHeight - 4);
  tipEl.style.left = `${Math.max(0, left)}px`;
  tipEl.style.top = `${Math.max(0, top)}px`;
}

// ------------------------------------------------------------------ fly to
// A component picked outside the view (search, list, table) is flown to: the camera
// glides over FLY_MS to look at it from close by, keeping its viewing direction.
const FLY_MS = 450;
function flyTo(id) {
  const index = state.ids.indexOf(id);
  const b = index >= 0 ? boundsOf(index) : null;
  if (!b) return false;
  const cam = renderer.getActiveCamera();
  const target = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2];
  const size = Math.max(b[1] - b[0], b[3] - b[2], b[5] - b[4], 1);
  const f0 = cam.getFocalPoint();
  const p0 = cam.getPosition();
  const dir = [p0[0] - f0[0], p0[1] - f0[1], p0[2] - f0[2]];
  const len = Math.hypot(...dir) || 1;
  const dist = Math.max(12, 8 * size);
  const p1 = target.map((t, k) => t + (dir[k] / len) * dist);
  const t0 = performance.now();
  window.twinViewer.flights += 1;
  const step = () => {
    const t = Math.min(1, (performance.now() - t0) / FLY_MS);
    const e = t * t * (3 - 2 * t);
    cam.setFocalPoint(...f0.map((v, k) => v + (target[k] - v) * e));
    cam.setPosition(...p0.map((v, k) => v + (p1[k] - v) * e));
    renderer.resetCameraClippingRange();
    renderWindow.render();
    if (t < 1) requestAnimationFrame(step);
    else {
      window.twinViewer.flownTo = id;
      captureSoon();
    }
  };
  requestAnimationFrame(step);
  return true;
}

// the buttons are not part of the scene: no rotation or pick starts on them
tools.addEventListener('pointerdown', (ev) => ev.stopPropagation());
resetBtn.addEventListener('click', () => {
  resetCamera();
  renderWindow.render();
  window.twinViewer.resets += 1;
  captureSoon();
});

// ------------------------------------------------------------------ selection
function boundsOf(index) {
  const b = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  const { owner, bounds } = state;
  let found = false;
  for (let i = 0; i < owner.length; i++) {
    if (owner[i] !== index) continue;
    found = true;
    for (let j = 0; j < 3; j++) {
      b[2 * j] = Math.min(b[2 * j], bounds[6 * i + 2 * j]);
      b[2 * j + 1] = Math.max(b[2 * j + 1], bounds[6 * i + 2 * j + 1]);
    }
  }
  return found ? b : null;
}

function boxPoints(x0, x1, y0, y1, z0, z1) {
  return Float32Array.from([
    x0, y0, z0, x1, y0, z0, x1, y1, z0, x0, y1, z0,
    x0, y0, z1, x1, y0, z1, x1, y1, z1, x0, y1, z1,
  ]);
}

function highlight(id) {
  state.selected = id;
  const index = id == null ? -1 : state.ids.indexOf(id);
  const b = index >= 0 ? boundsOf(index) : null;
  if (!b) {
    wireActor.setVisibility(false);
    beaconActor.setVisibility(false);
    return;
  }
  const pad = 0.15;
  const [x0, x1, y0, y1, z0, z1] = b;
  wire.getPoints().setData(boxPoints(x0 - pad, x1 + pad, y0 - pad, y1 + pad, z0, z1 + pad), 3);
  const e = [0, 1, 1, 2, 2, 3, 3, 0, 4, 5, 5, 6, 6, 7, 7, 4, 0, 4, 1, 5, 2, 6, 3, 7];
  const lines = new Uint32Array(36);
  for (let i = 0; i < 12; i++) lines.set([2, e[2 * i], e[2 * i + 1]], 3 * i);
  wire.getLines().setData(lines);
  wire.modified();
  // beacon: a slim yellow post above the item, seen from afar on a campus
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const h = Math.max(z1 - z0, 2);
  const r = Math.max(Math.min(x1 - x0, y1 - y0) * 0.2, 0.15);
  beacon.getPoints().setData(boxPoints(cx - r, cx + r, cy - r, cy + r, z1 + 0.3, z1 + 0.3 + 1.5 * h), 3);
  const q = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]];
  beacon.getPolys().setData(Uint32Array.from(q.flatMap((f) => [4, ...f])));
  beacon.modified();
  wireActor.setVisibility(true);
  beaconActor.setVisibility(true);
}

// the display position (CSS pixels from the top left of the view) of an item's top centre
function screenOf(id) {
  const index = state.ids.indexOf(id);
  const b = index >= 0 ? boundsOf(index) : null;
  if (!b) return null;
  const world = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, b[5]];
  const [w, h] = glWindow.getSize();
  const [x0, y0, x1, y1] = renderer.getViewport();
  const d = renderer.worldToNormalizedDisplay(...world, ((x1 - x0) * w) / ((y1 - y0) * h));
  const r = view.getBoundingClientRect();
  return [d[0] * r.width, (1 - d[1]) * r.height];
}

// Picking: vtk.js's hardware selector renders the cells' ids off screen, which takes
// 0.3-0.5 s for a campus in software WebGL. It is done once per view while the user is
// idle (PREFETCH_MS after the last change), for the whole scene viewport; a click then
// only reads the captured buffers. A view changed since (camera, scene, size) is
// captured at the click, for that one pixel.
const PREFETCH_MS = 600;
let capture = null; // { key, data }: the selector's buffers of the view with that key
let captureTimer = null;

function viewKey() {
  const [w, h] = glWindow.getSize();
  const cam = renderer.getActiveCamera().getMTime();
  return `${cam}|${mesh.getMTime()}|${w}x${h}|${renderer.getViewport().join(',')}`;
}

async function captureView() {
  const key = viewKey();
  if ((capture && capture.key === key) || !state.digest) return;
  const [w, h] = glWindow.getSize();
  const [x0, , x1] = renderer.getViewport();
  const data = await selector.getSourceDataAsync(
    renderer, Math.floor(x0 * w), 0, Math.max(0, Math.ceil(x1 * w) - 1), h - 1,
  );
  if (data && viewKey() === key) capture = { key, data };
}

function captureSoon() {
  clearTimeout(captureTimer);
  captureTimer = setTimeout(() => captureView().catch(() => {}), PREFETCH_MS);
}

async function pick(clientX, clientY) {
  const r = view.getBoundingClientRect();
  const [w, h] = glWindow.getSize();
  const x = Math.round(((clientX - r.left) * w) / r.width);
  const y = Math.round(h - ((clientY - r.top) * h) / r.height);
  let data = capture && capture.key === viewKey() ? capture.data : null;
  window.twinViewer.picksFromCapture += data ? 1 : 0;
  if (!data) data = await selector.getSourceDataAsync(renderer, x, y, x, y);
  const sel = data ? data.generateSelection(x, y, x, y) : [];
  if (!sel.length) return null;
  const props = sel[0].getProperties();
  if (props.prop !== actor || !state.owner) return null;
  const index = state.owner[Math.floor(props.attributeID / 6)];
  return index >= 0 ? state.ids[index] : null;
}

view.addEventListener('wheel', captureSoon, { passive: true });
view.addEventListener('pointermove', hover, { passive: true });
view.addEventListener('pointerleave', () => {
  tipEl.style.display = 'none';
});
let press = null;
view.addEventListener(
  'pointerdown',
  (ev) => {
    const onTool = tools.contains(ev.target);
    press = ev.button === 0 && !onTool ? { x: ev.clientX, y: ev.clientY, t: performance.now() } : null;
  },
  true,
);
window.addEventListener(
  'pointerup',
  async (ev) => {
    const p = press;
    press = null;
    captureSoon(); // the camera may have moved
    if (!p || performance.now() - p.t > CLICK_MS) return;
    if (Math.hypot(ev.clientX - p.x, ev.clientY - p.y) > CLICK_PX) return;
    const t0 = performance.now();
    window.twinViewer.clickAt = Date.now(); // epoch ms, for benchmarks
    const id = await pick(ev.clientX, ev.clientY);
    window.twinViewer.pickMs = performance.now() - t0;
    window.twinViewer.lastPick = id;
    if (id == null) return;
    highlight(id);
    renderWindow.render();
    state.clicks += 1;
    setValue({ id, n: state.clicks });
  },
  true,
);

// ------------------------------------------------------------------ messages
// The server sends the scene's bytes only when this session's viewer lacks them; other
// renders carry just its digest. A digest with no bytes that is not the scene on screen
// (this iframe was remounted, the page reloaded) is asked for once, and again only if
// the answer has not come after REASK_MS (the value's rerun sends the bytes).
const REASK_MS = 3000;
let asked = { digest: null, t: 0 };
let requests = 0;

function askFor(digest) {
  const now = performance.now();
  if (asked.digest === digest && now - asked.t < REASK_MS) return;
  asked = { digest, t: now };
  requests += 1;
  window.twinViewer.requests = requests;
  setValue({ need: digest, n: `${Date.now()}-${requests}` });
}

window.addEventListener('message', (ev) => {
  const msg = ev.data;
  if (!msg || msg.type !== 'streamlit:render') return;
  const { digest, header, data, selected, height, paths } = msg.args;
  if (height && height !== state.height) {
    state.height = height;
    root.style.height = `${height}px`;
    setHeight(height);
  }
  let changed = false;
  if (header && data && header.digest !== state.digest && header.colours_only) {
    if (state.digest && header.geometry === state.geometry) {
      showColours(header, data);
      window.twinViewer.colourUpdates += 1;
      changed = true;
    } else {
      askFor(header.digest); // colours for a mesh this viewer does not have
    }
  } else if (header && data && header.digest !== state.digest) {
    const t0 = performance.now();
    showScene(header, data);
    window.twinViewer.buildMs = performance.now() - t0;
    changed = true;
  } else if (digest && digest !== state.digest) {
    askFor(digest);
  }
  const sel = selected ?? null;
  if (state.digest && (changed || sel !== state.serverSelected)) {
    const fromOutside = sel !== null && sel !== state.selected && sel !== state.serverSelected;
    state.serverSelected = sel;
    highlight(sel);
    if (fromOutside) flyTo(sel);
    changed = true;
  }
  if (state.digest && setPaths(paths)) changed = true;
  if (changed) {
    const received = Date.now();
    const t0 = performance.now();
    renderWindow.render();
    window.twinViewer.renderMs = performance.now() - t0;
    window.twinViewer.renders += 1;
    window.twinViewer.digest = state.digest;
    window.twinViewer.receivedAt = received; // epoch ms, for benchmarks
    requestAnimationFrame(() => {
      window.twinViewer.paintedAt = Date.now();
    });
    captureSoon();
  }
  window.twinViewer.messages += 1;
  window.twinViewer.bytes += data ? data.byteLength : 0;
});

// for tests and benchmarks: what is on screen, where an item is
window.twinViewer = {
  screenOf,
  renders: 0,
  colourUpdates: 0, // scenes received as colours only (geometry kept)
  messages: 0, // render messages received
  bytes: 0, // scene bytes received
  requests: 0, // scenes asked for (digest without bytes)
  digest: null,
  lastPick: undefined,
  clickAt: 0, // epoch ms of the last click (mouse button released)
  pickMs: 0, // how long the last click's pick took
  picksFromCapture: 0, // picks answered from the idle-time capture
  hovered: undefined, // id under the mouse (null: none)
  hoverText, // (id) -> the hover's HTML
  flights: 0, // fly-to animations started
  flownTo: null,
  resets: 0, // "Reset view" clicks
  labelsShown: 0, // hall and row names on screen
  marks: () => (state.header ? state.header.marks.length : 0), // outlined in red
  warnings: () => state.marked.size, // items with a violation (hover says which)
  paths: () => state.pathLegend.map(([n]) => n),
  receivedAt: 0,
  paintedAt: 0,
  buildMs: 0, // the last whole scene: unpack, build the boxes' faces, hand them to vtk.js
  renderMs: 0, // the last render call (vtk.js uploads a new mesh to WebGL in it)
  state,
};

send('streamlit:componentReady', {});
