// Operators' dashboard: polls one summary every half second (many viewers share it server-side).
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
let token = sessionStorage.getItem("ep-operator") || "";
let timer = null;

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  return { response, body };
}

function table(head, rows) {
  if (!rows.length) return `<p class="empty">暂无 · none</p>`;
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function bars(values, labelText) {
  // A small SVG column chart: 12 five-minute buckets, oldest on the left.
  const max = Math.max(1, ...values);
  const w = 360, h = 60, bw = w / values.length;
  const cols = values.map((v, i) => {
    const bh = Math.round((v / max) * (h - 12));
    return `<rect x="${i * bw + 1}" y="${h - bh}" width="${bw - 2}" height="${bh}" fill="#0a4a8f"><title>${v}</title></rect>`;
  });
  return `<svg role="img" aria-label="${esc(labelText)}" viewBox="0 0 ${w} ${h}" width="100%" height="${h}">${cols.join("")}</svg>`;
}

function latencyChart(rows) {
  // Horizontal bars: p50 (dark) and p95 (light) processing time per department.
  const max = Math.max(0.001, ...rows.map(([, p]) => p.p95_seconds || 0));
  const rowH = 22, w = 520, left = 130, h = rows.length * rowH + 8;
  const body = rows.map(([d, p], i) => {
    const y = i * rowH + 4, scale = (v) => Math.max(1, ((v || 0) / max) * (w - left - 90));
    return `<text x="0" y="${y + 14}" font-size="12">${esc(d)}</text>` +
      `<rect x="${left}" y="${y}" width="${scale(p.p95_seconds)}" height="16" fill="#9fbfe3"><title>p95 ${fmt(p.p95_seconds)}</title></rect>` +
      `<rect x="${left}" y="${y + 4}" width="${scale(p.p50_seconds)}" height="8" fill="#0a4a8f"><title>p50 ${fmt(p.p50_seconds)}</title></rect>` +
      `<text x="${left + scale(p.p95_seconds) + 6}" y="${y + 13}" font-size="11">${fmt(p.p50_seconds)} / ${fmt(p.p95_seconds)}</text>`;
  });
  return `<figure class="chart"><figcaption><strong>p50 / p95</strong> · 从提交到部门决定 · submission to department decision</figcaption>` +
    `<svg role="img" aria-label="p50 and p95 processing time per department" viewBox="0 0 ${w} ${h}" width="100%">${body.join("")}</svg></figure>`;
}

const fmt = (s) => (s == null ? "–" : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`);

function waterfallChart(rows) {
  // One bar per span: where it starts and how long it runs, after the trace's first span.
  const total = Math.max(1, ...rows.map((r) => r.start_ms + r.duration_ms));
  const rowH = 20, w = 900, left = 330, h = rows.length * rowH + 24;
  const x = (ms) => left + (ms / total) * (w - left - 70);
  const body = rows.map((r, i) => {
    const y = i * rowH + 4, bw = Math.max(2, x(r.start_ms + r.duration_ms) - x(r.start_ms));
    const wait = r.waited_ms ? `<rect x="${x(r.start_ms - r.waited_ms)}" y="${y + 5}" width="${Math.max(1, x(r.start_ms) - x(r.start_ms - r.waited_ms))}" height="6" fill="#d7dde5"><title>等待 · waited ${fmt(r.waited_ms / 1000)}</title></rect>` : "";
    return `<g data-span="${esc(r.span_id)}" data-service="${esc(r.service)}"><text x="0" y="${y + 12}" font-size="11">${esc(r.service)} · ${esc(r.name.slice(0, 44))}</text>${wait}` +
      `<rect x="${x(r.start_ms)}" y="${y}" width="${bw}" height="14" fill="${r.error ? "#b3261e" : r.kind === "client" ? "#6b8fb8" : "#0a4a8f"}"><title>${esc(r.name)}: ${fmt(r.duration_ms / 1000)}</title></rect>` +
      `<text x="${x(r.start_ms) + bw + 4}" y="${y + 12}" font-size="10">${fmt(r.duration_ms / 1000)}</text></g>`;
  });
  return `<svg role="img" aria-label="trace waterfall: ${rows.length} spans over ${Math.round(total)} ms" viewBox="0 0 ${w} ${h}" width="100%">` +
    `<text x="${left}" y="${h - 4}" font-size="10">0</text><text x="${w - 70}" y="${h - 4}" font-size="10">${fmt(total / 1000)}</text>${body.join("")}</svg>`;
}

async function showTrace(registrationId) {
  $("trace").classList.remove("hidden");
  $("trace-h").textContent = `调用链 · Trace: ${registrationId}`;
  const { response, body } = await api(`/ops/api/registrations/${registrationId}/trace`);
  if (!response.ok) { $("waterfall").innerHTML = `<p class="errors">${esc(body.message_zh || "")} · ${esc(body.message_en || "")}</p>`; return; }
  const services = new Set(body.spans.map((s) => s.service));
  $("waterfall").innerHTML = `<p>${body.spans.length} 个步骤 · spans, ${services.size} 个服务 · services</p>` + waterfallChart(body.spans);
}

function render(data) {
  $("updated").textContent = `更新 · updated ${new Date(data.at).toLocaleTimeString("zh-CN")}`;
  $("total").textContent = data.total; $("total").dataset.total = data.total;
  $("overall").innerHTML = table(["状态 · status", "数量 · count"],
    Object.entries(data.overall).map(([s, n]) => [esc(s), `<span data-overall-count="${esc(s)}">${n}</span>`]));
  $("deadline").innerHTML = table(["登记 · registration", "部门 · department"],
    data.past_deadline.map((c) => [`${esc(c.name || "")}<br><code>${esc(c.registration_id)}</code>`, esc(c.department)]));
  const statuses = [...new Set(Object.values(data.departments).flatMap((c) => Object.keys(c)))].sort();
  $("departments").innerHTML = table(["部门 · department", "队列 · queue", ...statuses],
    Object.entries(data.departments).map(([d, c]) => [esc(d), `<strong data-queue="${esc(d)}">${data.queue_depth[d] || 0}</strong>`, ...statuses.map((s) => c[s] || 0)]));
  const proc = Object.entries(data.processing);
  $("processing").innerHTML = proc.length ? latencyChart(proc) + proc.map(([d, p]) =>
    `<figure data-processing="${esc(d)}"><figcaption><strong>${esc(d)}</strong> · ${p.decisions} 件 · ${p.per_minute}/min</figcaption>` +
    `${bars(p.buckets, `${d}: decisions per five minutes over the last hour`)}</figure>`).join("") : `<p class="empty">暂无 · none</p>`;
  $("slowest").innerHTML = table(["登记 · registration", "用时 · took", ""],
    data.slowest.map((c) => [`${esc(c.name || "")}<br><code>${esc(c.registration_id)}</code>`, `<span data-took="${esc(c.registration_id)}">${fmt(c.seconds)}</span>`,
      `<button type="button" data-trace="${esc(c.registration_id)}">调用链 · Trace</button>`]));
  $("starts").innerHTML = table(["服务 · service", "启动次数 · starts", "最近启动 · last started"],
    data.service_starts.map((s) => [esc(s.service), `<strong data-starts="${esc(s.service)}">${s.starts}</strong>${s.starts > 1 ? " · 已重启 · restarted" : ""}`,
      esc(new Date(s.last_started_at).toLocaleTimeString("zh-CN"))]));
  const groups = {};
  data.consumer_lag.forEach((l) => { (groups[l.group] = groups[l.group] || []).push(l); });
  $("lag").innerHTML = table(["消费组 · group", "积压 · lag", "主题 · topics"],
    Object.entries(groups).map(([g, ls]) => [esc(g), `<strong data-lag="${esc(g)}">${ls.reduce((n, l) => n + l.lag, 0)}</strong>`,
      `<details><summary>${ls.length}</summary>${ls.map((l) => `${esc(l.topic)}: ${l.lag}`).join("<br>")}</details>`]));
  $("dlq").innerHTML = `<p>待处理 · waiting: <strong>${data.dead_letters_waiting}</strong></p>` + table(
    ["时间 · failed at", "主题 · topic", "错误 · error", "次数 · attempts", "状态 · state", ""],
    data.dead_letters.map((l) => [esc(new Date(l.failed_at).toLocaleString("zh-CN")), esc(l.original_topic),
      `<code>${esc(l.error_type)}</code> ${esc(l.error.slice(0, 160))}`, `<span data-attempts="${esc(l.id)}">${l.attempts}</span>`, esc(l.state),
      l.state === "dead" ? `<button type="button" data-redrive="${esc(l.id)}">重新投递 · Re-drive</button>` : ""]));
  renderCredit(data.credit);
}

const CLASS_LABELS = { A: "守信 · trustworthy", B: "基本守信 · generally trustworthy", C: "失信风险 · at risk of untrustworthiness", D: "严重失信 · seriously untrustworthy" };

function renderCredit(credit) {
  if (!credit) return;
  $("credit-classes").innerHTML = table(["类别 · class", "说明 · meaning", "企业数 · enterprises"],
    Object.entries(credit.classes).map(([c, n]) => [`<strong class="class-${esc(c)}">${esc(c)}</strong>`, esc(CLASS_LABELS[c] || ""),
      `<span data-credit-class="${esc(c)}">${n}</span>`]));
  $("credit-flags").innerHTML = credit.risk_flags.length ? `<ul>${credit.risk_flags.map((f) =>
    `<li data-flag="${esc(f.registration_id)}"><strong class="class-${esc(f.credit_class)}">${esc(f.credit_class)} 类 ${f.level} 级 · class ${esc(f.credit_class)}, level ${f.level}</strong> ` +
    `${esc(f.name || "")} <code>${esc(f.uscc || f.registration_id)}</code> <span class="meta">${esc(new Date(f.flagged_at).toLocaleString("zh-CN"))}</span>` +
    (f.message_zh ? `<br>${esc(f.message_zh)}<br><span class="meta">${esc(f.message_en)}</span>` : "") + "</li>").join("")}</ul>` :
    `<p class="empty">暂无 · none</p>`;
}

async function drawInspections() {
  // The seed is up to 2^63 - 1: past what a JS number holds exactly, so it travels as its digits.
  const period = $("i-period").value.trim(), seed = $("i-seed").value.trim();
  const payload = `{"period":${JSON.stringify(period)}${seed ? `,"seed":${seed}` : ""}}`;
  const response = await fetch("/ops/api/inspections", { method: "POST", body: payload,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
  const text = await response.text();
  let body = {};
  try { body = JSON.parse(text); } catch { body = {}; }
  const out = $("inspection-result");
  if (response.status !== 201) {
    out.innerHTML = `<p class="errors" data-draw-error="${esc(body.code || response.status)}">${esc(body.message_zh || "")} · ${esc(body.message_en || "")}` +
      ` <code>${esc(body.code || response.status)}</code> ${(body.errors || []).map((x) => esc(x.path || x.field || "")).join(", ")}</p>`;
    return;
  }
  const exactSeed = (text.match(/"seed":\s*(\d+)/) || [])[1] || String(body.seed);
  const drawn = Object.entries(body.drawn || {}).map(([c, n]) => `${esc(c)} ${n}/${(body.population || {})[c] ?? 0}`).join(" · ");
  out.innerHTML = `<p data-drawn="${esc(body.period)}">已抽取 · drawn <strong>${esc(body.period)}</strong>：${drawn}，` +
    `合计 · overall ${(100 * body.overall_proportion).toFixed(1)}%，种子 · seed <code data-seed>${esc(exactSeed)}</code></p>` +
    `<p><a id="inspection-link" href="${esc(body.results_url)}" target="_blank" rel="noopener">公开结果 · Public results: ${esc(body.results_url)}</a></p>`;
}

let ticks = 0;

async function refresh() {
  const { response, body } = await api("/ops/api/summary");
  if (response.status === 401) { stop(); $("signin-error").textContent = `${body.message_zh || ""} · ${body.message_en || ""}`; return; }
  if (response.ok) render(body);
  if (ticks++ % 10 === 0) refreshHelpdesk(); // every 5 s: it changes at a person's pace
}

// The helpdesk: questions past their reply limit, and satisfaction per department by week.
async function refreshHelpdesk() {
  const { response, body } = await api("/ops/api/helpdesk");
  if (!response.ok) return;
  $("help-overdue").innerHTML = table(["部门 · department", "提问时间 · asked", "答复期限 · due"],
    body.overdue.map((q) => [`<span data-overdue="${esc(q.question_id)}">${esc(q.department)}</span>`,
      esc(new Date(q.asked_at).toLocaleString("zh-CN")), esc(new Date(q.due_at).toLocaleString("zh-CN"))]));
  const weeks = [...new Set(body.satisfaction.map((r) => r.week))].sort();
  const cells = {};
  body.satisfaction.forEach((r) => { cells[`${r.department}/${r.week}`] = r; });
  const departments = [...new Set(body.satisfaction.map((r) => r.department))].sort();
  $("help-satisfaction").innerHTML = table(["部门 · department", ...weeks],
    departments.map((d) => [esc(d), ...weeks.map((w) => {
      const r = cells[`${d}/${w}`];
      return r ? `<span data-satisfaction="${esc(d)}/${esc(w)}">${r.average.toFixed(1)}</span> <span class="meta">(${r.ratings})</span>` : "–";
    })]));
}

function stop() { clearInterval(timer); timer = null; $("board").classList.add("hidden"); $("signin-card").classList.remove("hidden"); }

function start() {
  $("signin-card").classList.add("hidden"); $("board").classList.remove("hidden");
  refresh(); timer = setInterval(refresh, 500);
  // /ops#trace=<registration id> opens that registration's trace (a link an operator can share).
  const linked = location.hash.match(/^#trace=([0-9a-f]{32})$/);
  if (linked) showTrace(linked[1]);
}

const list = (id) => $(id).value.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (e) => {
    e.preventDefault(); token = $("op-token").value.trim(); sessionStorage.setItem("ep-operator", token); $("signin-error").textContent = ""; start();
  });
  $("dlq").addEventListener("click", async (e) => {
    const id = e.target.dataset && e.target.dataset.redrive;
    if (!id) return;
    e.target.disabled = true;
    await api(`/ops/api/dead-letters/${id}/redrive`, { method: "POST" });
    refresh();
  });
  $("slowest").addEventListener("click", (e) => {
    const id = e.target.dataset && e.target.dataset.trace;
    if (id) showTrace(id);
  });
  $("policy-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const foreign = $("p-foreign").value;
    const draft = {
      title_zh: $("p-title-zh").value, title_en: $("p-title-en").value, body_zh: $("p-body-zh").value, body_en: $("p-body-en").value,
      targeting: { areas: list("p-areas"), industry_code_prefixes: list("p-industry"), enterprise_types: list("p-types"),
        sizes: list("p-sizes"), foreign_invested: foreign === "" ? null : foreign === "true" },
    };
    const { response, body } = await api("/ops/api/policies", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(draft) });
    $("policy-result").textContent = response.status === 202 ? `已发布 · published ${body.policy_id}` :
      `${body.message_zh || ""} · ${body.message_en || ""} ${(body.errors || []).map((x) => x.loc || x.field || "").join(", ")}`;
  });
  $("inspection-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("inspection-form").querySelector("button");
    button.disabled = true;
    try { await drawInspections(); } catch { $("inspection-result").innerHTML = `<p class="errors">网络错误，请重试 · network error, please retry</p>`; }
    finally { button.disabled = false; }
  });
  if (token) start();
});
