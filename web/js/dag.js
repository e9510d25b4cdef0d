// A pipeline's dependencies drawn as a graph (SVG): its ancestors from
// /dependency-tree to the left by depth, the pipeline, the pipelines that
// depend on it to the right. Each box links to its pipeline; the same edges
// are listed in words for screen readers and narrow screens.
import { api } from "./api.js";
import { t } from "./strings.js";
import { h } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
const W = 170, H = 40, GX = 60, GY = 18;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

const clip = (s, n = 20) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

// nodes: Map id → {id, name, col}; edges: [{from, to, type}]
export function draw(nodes, edges, rootId) {
  const cols = new Map();
  for (const n of nodes.values()) {
    if (!cols.has(n.col)) cols.set(n.col, []);
    cols.get(n.col).push(n);
  }
  const order = [...cols.keys()].sort((a, b) => a - b);
  const tallest = Math.max(...[...cols.values()].map((c) => c.length));
  const width = order.length * (W + GX) - GX + 2, height = tallest * (H + GY) - GY + 2;
  order.forEach((c, ci) => cols.get(c).forEach((n, i) => {
    n.x = 1 + ci * (W + GX);
    n.y = 1 + i * (H + GY) + (tallest - cols.get(c).length) * (H + GY) / 2;
  }));
  const marker = svg("marker", { id: "dag-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
                     svg("path", { d: "M0,0 L10,5 L0,10 z", class: "dag-arrowhead" }));
  const lines = edges.map((e) => {
    const a = nodes.get(e.from), b = nodes.get(e.to);
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    return svg("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: "dag-edge", "marker-end": "url(#dag-arrow)" });
  });
  const boxes = [...nodes.values()].map((n) => {
    const g = svg("a", { href: "#/pipelines/" + n.id, class: "dag-node" + (n.id === rootId ? " dag-root" : "") },
      svg("title", {}, n.name),
      svg("rect", { x: n.x, y: n.y, width: W, height: H, rx: 6 }),
      svg("text", { x: n.x + W / 2, y: n.y + H / 2 + 5, "text-anchor": "middle" }, clip(n.name)));
    return g;
  });
  return svg("svg", { class: "dag", viewBox: `0 0 ${width} ${height}`, width, height, role: "group",
                      "aria-label": t("dagLabel", { n: nodes.size, e: edges.length }) },
             svg("defs", {}, marker), ...lines, ...boxes);
}

// The section of a pipeline's page: {element} filled once read.
export async function dagSection(p, signal) {
  const id = p.job_id;
  const [tree, deps] = await Promise.all([
    api("GET", `/pipelines/${id}/dependency-tree`, { query: { max_depth: 10 }, signal }),
    api("GET", `/pipelines/${id}/dependencies`, { signal }),
  ]);
  const nodes = new Map([[id, { id, name: p.job_name, col: 0 }]]);
  const edges = [];
  const seen = new Set();
  const walk = (node) => {
    for (const parent of node.parents || []) {
      if (!nodes.has(parent.job_id)) nodes.set(parent.job_id, { id: parent.job_id, name: parent.job_name, col: -parent.depth });
      const key = parent.job_id + ">" + node.job_id;
      if (!seen.has(key)) { seen.add(key); edges.push({ from: parent.job_id, to: node.job_id, type: parent.dependency_type }); }
      walk(parent);
    }
  };
  walk(tree.data.data.tree);
  const children = deps.data.data.dependent_job_ids || [];
  const named = await Promise.all(children.map((cid) => api("GET", `/pipelines/${cid}`, { signal })
    .then((r) => r.data.job_name, (err) => { if (err.name === "AbortError") throw err; return cid; })));
  children.forEach((cid, i) => {
    if (!nodes.has(cid)) nodes.set(cid, { id: cid, name: named[i], col: 1 });
    edges.push({ from: id, to: cid, type: null });
  });
  const section = h("section", { class: "panel dag-box", "aria-labelledby": "dag-h" },
    h("h2", { id: "dag-h", text: t("dagTitle") }));
  if (nodes.size === 1) {
    section.append(h("p", { class: "muted", text: t("dagNone") }));
    return section;
  }
  section.append(h("div", { class: "scroll-x", tabindex: "0", role: "region", "aria-label": t("dagTitle") }, draw(nodes, edges, id)),
    h("ul", { class: "dag-edges" }, edges.map((e) => h("li", {}, t(e.type ? "dagEdge" : "dagEdgeChild", {
      parent: nodes.get(e.from).name, child: nodes.get(e.to).name, type: e.type ? t("deptype_" + e.type) : "" })))));
  return section;
}
