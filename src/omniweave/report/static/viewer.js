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

async function loadSummary() {
  const s = await api("/api/summary");
  $("#summary").textContent = `${s.root} · ${s.kept} kept · ${s.dropped} dropped`;
  for (const [reason, n] of Object.entries(s.reasons)) {
    $("#reason").append(el("option", { value: reason }, `${reason} (${n})`));
  }
}

async function loadList() {
  const params = new URLSearchParams({ kind: $("#kind").value, reason: $("#reason").value, q: $("#q").value, limit: 500 });
  const data = await api(`/api/docs?${params}`);
  $("#count").textContent = `${data.total} documents` + (data.total > data.items.length ? ` (first ${data.items.length})` : "");
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
    article.append(el("div", { class: "drop-reason" }, `Dropped by ${d.step}: ${d.reason}` + (d.detail ? ` (${d.detail})` : "")));
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

function route() {
  const m = location.hash.match(/^#doc\/(\d+)$/);
  if (m) showDocument(Number(m[1])).catch((e) => { $("#doc").textContent = String(e); });
}

for (const id of ["#kind", "#reason"]) $(id).addEventListener("change", loadList);
$("#q").addEventListener("input", loadList);
window.addEventListener("hashchange", route);
loadSummary().then(loadList).then(route).catch((e) => { $("#summary").textContent = String(e); });
