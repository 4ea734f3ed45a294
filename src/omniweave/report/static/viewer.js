// omniweave viewer: the document list on the left, the document as it reads in the middle,
// removed paragraphs (with their reasons) on the right. All data comes from the local /api.
"use strict";

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function fillSelect(id, counts) {
  for (const [value, n] of Object.entries(counts)) {
    const label = value || "(none)";
    $(id).append(el("option", { value: label, title: `${label} (${n})` }, `${label} (${n})`));
  }
}

async function loadSummary() {
  const s = await api("/api/summary");
  // the dropped count is the data card's (documents the steps dropped); when the run did not keep
  // them all, the header says how many the viewer can show
  const dropped = s.dropped_by_steps ?? s.dropped;
  const shown = dropped !== s.dropped ? ` (${s.dropped} kept on disk: set output.keep_dropped)` : "";
  const skipped = s.skipped_at_read ? ` · ${s.skipped_at_read} skipped at read` : "";
  $("#summary").textContent = `${s.root} · ${s.kept} kept · ${dropped} dropped${shown}${skipped}`;
  fillSelect("#reason", s.reasons);
  fillSelect("#language", s.languages);
  fillSelect("#domain", s.domains);
}

let listRequest = 0;

async function loadList() {
  const [min, max] = $("#images").value.split("-");
  const params = new URLSearchParams({ kind: $("#kind").value, reason: $("#reason").value, q: $("#q").value,
    language: $("#language").value, domain: $("#domain").value, min_images: min || "", max_images: max || "", limit: 500 });
  const request = ++listRequest;
  const data = await api(`/api/docs?${params}`);
  if (request !== listRequest) return;  // a newer search is on its way
  $("#count").textContent = `${data.total} document${data.total === 1 ? "" : "s"}` + (data.total > data.items.length ? ` (first ${data.items.length})` : "");
  const list = $("#docs");
  list.replaceChildren();
  for (const d of data.items) {
    const why = d.kind === "dropped" ? ` · ${d.step}: ${d.reason}` : "";
    const item = el("li", { "data-n": d.n, "data-kind": d.kind },
      el("span", { class: "t" }, d.title || d.url || d.id),
      el("span", { class: "m" }, el("span", { class: `badge ${d.kind}` }, d.kind),
        ` ${d.language || "?"} · ${d.n_texts} texts · ${d.n_images} images${why}`));
    item.addEventListener("click", () => { location.hash = `doc/${d.n}`; });
    list.append(item);
  }
}

function metaTable(meta) {
  const rows = Object.entries(meta).map(([k, v]) =>
    el("tr", {}, el("td", {}, k), el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v))));
  return el("table", {}, el("tbody", {}, ...rows));
}

function showTooltip(event, meta) {
  const tip = $("#tooltip");
  tip.replaceChildren(metaTable(meta));
  tip.hidden = false;
  const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = Math.min(event.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
  tip.style.left = `${Math.max(x, 4)}px`;
  tip.style.top = `${Math.max(y, 4)}px`;
}

function imageNode(node) {
  const fig = el("figure", { class: "doc-image" });
  const img = el("img", { src: node.src, alt: node.alt || "", "data-url": node.url });
  img.addEventListener("error", () => {
    fig.classList.add("missing");
    fig.replaceChildren(el("a", { href: node.url, rel: "noreferrer" }, `image (not stored): ${node.alt || node.url}`));
    fig.addEventListener("mousemove", (e) => showTooltip(e, node.meta));
    fig.addEventListener("mouseleave", () => { $("#tooltip").hidden = true; });
  });
  img.addEventListener("mousemove", (e) => showTooltip(e, node.meta));
  img.addEventListener("mouseleave", () => { $("#tooltip").hidden = true; });
  fig.append(img);
  return fig;
}

const TAGS = { heading: "h3", list_item: "li", quote: "blockquote", code: "pre", table: "pre" };

async function showDocument(n) {
  const d = await api(`/api/doc/${n}`);
  for (const li of document.querySelectorAll("#docs li")) li.classList.toggle("active", li.dataset.n === String(n));
  const article = el("article", { "data-id": d.id, "data-kind": d.kind },
    el("h2", {}, d.title || d.url || d.id),
    el("div", { class: "url" }, el("span", { class: `badge ${d.kind}` }, d.kind), ` ${d.url || ""} · ${d.language || "?"} · ${d.date || ""}`));
  if (d.kind === "dropped") {
    const why = el("div", { class: "drop-reason" }, `Dropped by ${d.step}: ${d.reason}`);
    if (d.twin && d.twin.n !== null) {
      why.append(" (kept in its place: ", el("a", { class: "twin", href: `#doc/${d.twin.n}`, title: d.twin.id }, d.twin.title || d.twin.id), ")");
    } else if (d.detail) {
      why.append(` (${d.detail})`);
    }
    article.append(why);
  }
  for (const node of d.nodes) {
    if (node.type === "image") article.append(imageNode(node));
    else article.append(el(TAGS[node.kind] || "p", { class: `node ${node.kind}` }, node.text));
  }
  $("#doc").replaceChildren(article);
  $("#doc").scrollTop = 0;
  const side = $("#removed");
  side.replaceChildren(el("h3", {}, `Removed paragraphs (${d.paragraphs.length})`));
  if (!d.paragraphs.length) side.append(el("p", { class: "note" }, "No paragraph of this document was removed (or the run did not keep them)."));
  for (const p of d.paragraphs) {
    side.append(el("div", { class: "para" }, el("span", { class: "why" }, `${p.step}: ${p.reason}`), p.text));
  }
}

async function route() {
  const byId = location.hash.match(/^#id\/(.+)$/);  // links from the data card name documents by id
  if (byId) {
    const found = await api(`/api/find?id=${encodeURIComponent(decodeURIComponent(byId[1]))}`);
    location.replace(`#doc/${found.n}`);
    return;
  }
  const m = location.hash.match(/^#doc\/(\d+)$/);
  if (m) await showDocument(Number(m[1]));
}

for (const id of ["#kind", "#reason", "#language", "#domain", "#images"]) $(id).addEventListener("change", loadList);
$("#q").addEventListener("input", loadList);
window.addEventListener("hashchange", () => route().catch((e) => { $("#doc").textContent = String(e); }));
loadSummary().then(loadList).then(route).catch((e) => { $("#summary").textContent = String(e); });
