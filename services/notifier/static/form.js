// The one comprehensive form as a guided form, rendered from its JSON Schema (served by the
// notifier from the same pydantic model the registration service validates with), so the two
// can never disagree. It edits one JSON value; the page submits exactly that value.
"use strict";
const FormUI = (() => {
  const OPTION_LABELS = {
    limited_liability_company: ["有限责任公司", "limited liability company"],
    joint_stock_company: ["股份有限公司", "joint-stock company"],
    sole_proprietorship: ["个人独资企业", "sole proprietorship"],
    partnership: ["合伙企业", "partnership"],
    foreign_invested_llc: ["外商投资有限责任公司", "foreign-invested LLC"],
    branch: ["分公司", "branch"],
    nansha: ["南沙片区", "Nansha"], qianhai_shekou: ["前海蛇口片区", "Qianhai & Shekou"],
    hengqin: ["横琴片区", "Hengqin"], outside: ["自贸区外", "outside the zone"],
    company: ["公章", "company seal"], finance: ["财务专用章", "finance seal"],
    invoice: ["发票专用章", "invoice seal"], contract: ["合同专用章", "contract seal"],
    legal_representative: ["法定代表人名章", "legal representative's seal"],
    resident_id: ["居民身份证", "resident ID"], passport: ["护照", "passport"],
    hk_macao_permit: ["港澳居民来往内地通行证", "HK/Macao permit"],
    taiwan_permit: ["台湾居民来往大陆通行证", "Taiwan permit"],
    foreign_permanent_resident_id: ["外国人永久居留身份证", "foreign permanent resident ID"],
    natural_person: ["自然人", "natural person"], legal_person: ["法人", "legal person"],
    vat_special: ["增值税专用发票", "special VAT invoice"], vat_ordinary: ["增值税普通发票", "ordinary VAT invoice"],
    none: ["不领用", "none"], auto: ["自动核定", "decided by the rules"],
    small_scale: ["小规模纳税人", "small-scale taxpayer"], general: ["一般纳税人", "general taxpayer"],
    director: ["董事", "director"], supervisor: ["监事", "supervisor"], manager: ["经理", "manager"],
    chair: ["董事长", "chair"], executive_director: ["执行董事", "executive director"],
    financial_officer: ["财务负责人", "financial officer"],
  };
  // Field names in both languages; a field missing here falls back to its schema description.
  const FIELD_LABELS = {
    enterprise: ["企业基本信息", "The enterprise"], legal_representative: ["法定代表人", "Legal representative"],
    principal_officers: ["主要人员（董事、监事、经理等）", "Principal officers"], shareholders: ["股东（出资人）", "Shareholders"],
    seals: ["刻制印章", "Seals"], tax: ["税务信息", "Tax"], employment: ["用工与参保", "Employment and social insurance"],
    bank_account: ["预约开户（可选）", "Bank account appointment (optional)"], accounting_contact: ["办税人", "Tax contact"],
    name: ["名称 / 姓名", "Name"], type: ["企业类型", "Enterprise type"], registered_capital: ["注册资本（人民币元）", "Registered capital (CNY)"],
    business_term_years: ["营业期限（年，空为长期）", "Business term (years; empty: indefinite)"], address: ["住所", "Address"],
    area: ["自贸区片区", "Free Trade Zone area"], business_scope: ["经营范围", "Business scope"],
    industry_code: ["行业代码（GB/T 4754）", "Industry code (GB/T 4754)"], id_type: ["证件类型", "ID document"],
    id_number: ["证件号码", "ID number"], mobile: ["手机号码", "Mobile"], email: ["电子邮箱", "Email"], role: ["职务", "Role"],
    kind: ["股东类型", "Kind"], credit_code: ["统一社会信用代码（境内法人）", "Credit code (domestic legal person)"],
    registration_number: ["境外法人注册号", "Foreign company registration number"], country: ["国别（ISO 3166）", "Country (ISO 3166)"],
    contribution: ["认缴出资额（人民币元）", "Subscribed contribution (CNY)"], contribution_deadline: ["出资期限", "Contribution deadline"],
    kinds: ["印章种类", "Seal kinds"], maker_id: ["刻章企业备案编号", "Licensed seal maker"],
    expected_annual_sales: ["预计年销售额（元）", "Expected annual sales (CNY)"], invoice_kind: ["发票种类", "Invoice kind"],
    invoice_monthly_quantity: ["每月发票领用数量", "Invoices per month"], taxpayer_type_requested: ["申请纳税人类型", "Taxpayer type"],
    employee_count: ["从业人数", "Employees"], start_month: ["参保起始年月（YYYY-MM）", "Insurance from (YYYY-MM)"],
    bank: ["开户银行", "Bank"], branch: ["开户网点", "Branch"], preferred_date: ["预约日期", "Preferred date"],
    consent: ["承诺申报信息真实，同意各部门共享", "I declare this is true and agree to share it with every department"],
  };
  const TEXT = {
    zh: { add: "添加", remove: "删除", fill: "填写此项（可选）", lines: "每行一项", yes: "是", required: "必填" },
    en: { add: "Add", remove: "Remove", fill: "Fill this in (optional)", lines: "one per line", yes: "yes", required: "required" },
  };
  let schema = null, model = null, lang = "zh", root = null;
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const tx = (k) => TEXT[lang][k];
  const deref = (n) => (n && n.$ref ? schema.$defs[n.$ref.split("/").pop()] : n);
  const idOf = (path) => `f-${path.join("-")}`;

  function unwrap(outer) {
    let node = deref(outer);
    node = { ...node, description: outer.description ?? node.description, title: outer.title ?? node.title };
    if (!node.anyOf) return { node, nullable: false };
    const alts = node.anyOf.filter((a) => a.type !== "null");
    const nullable = alts.length < node.anyOf.length;
    if (alts.length === 1) return { node: { ...deref(alts[0]), description: node.description, title: node.title }, nullable };
    return { node: { ...node, anyOf: alts, kind: "money" }, nullable };  // number | string: money
  }
  const labelOf = (node, key) => (FIELD_LABELS[key] ? FIELD_LABELS[key][lang === "zh" ? 0 : 1] : node.description || node.title || key);
  const optionLabel = (v) => (OPTION_LABELS[v] ? OPTION_LABELS[v][lang === "zh" ? 0 : 1] : v);

  function get(path) { return path.reduce((v, k) => (v == null ? undefined : v[k]), model); }
  function set(path, value) {
    let node = model;
    path.slice(0, -1).forEach((k, i) => { if (node[k] == null) node[k] = typeof path[i + 1] === "number" ? [] : {}; node = node[k]; });
    node[path[path.length - 1]] = value;
  }
  function blank(node) {
    const { node: n, nullable } = unwrap(node);
    if (nullable) return null;
    if (n.const !== undefined) return n.const;
    if (n.default !== undefined) return n.default;
    if (n.type === "object") return Object.fromEntries(Object.entries(n.properties).map(([k, p]) => [k, blank(p)]));
    if (n.type === "array") return [];
    if (n.type === "boolean") return false;
    return "";
  }

  function input(node, path, nullable, label, required) {
    const id = idOf(path), value = get(path), data = `id="${id}" data-path="${esc(path.join("."))}"`;
    const req = required && !nullable ? " required aria-required=\"true\"" : "";
    const head = `<label for="${id}">${esc(label)}${req ? ` <span aria-hidden="true">*</span>` : ""}</label>`;
    if (node.const !== undefined) return "";
    if (node.enum) {
      const opts = node.enum.map((v) => `<option value="${esc(v)}"${v === value ? " selected" : ""}>${esc(optionLabel(v))}</option>`);
      return `<div class="field">${head}<select ${data} data-kind="text"${req}>${nullable ? "<option value=\"\"></option>" : ""}${opts.join("")}</select></div>`;
    }
    if (node.type === "boolean") {
      return `<div class="field check"><input type="checkbox" ${data} data-kind="bool"${value ? " checked" : ""}> ${head}</div>`;
    }
    const kind = node.type === "integer" ? "int" : node.type === "number" ? "num" : "text";
    const type = node.format === "date" ? "date" : node.format === "email" ? "email" : kind === "text" ? "text" : "number";
    const extra = [node.pattern ? `pattern="${esc(node.pattern.replace(/^\^|\$$/g, ""))}"` : "",
      node.maxLength ? `maxlength="${node.maxLength}"` : "", node.kind === "money" ? `inputmode="decimal"` : "",
      node.minimum !== undefined ? `min="${node.minimum}"` : "", node.maximum !== undefined ? `max="${node.maximum}"` : ""].join(" ");
    return `<div class="field">${head}<input type="${type}" ${data} data-kind="${kind}" data-nullable="${nullable}" value="${esc(value ?? "")}" ${extra}${req}></div>`;
  }

  function render(nodeIn, path, key, required) {
    const { node, nullable } = unwrap(nodeIn);
    const label = labelOf(node, key);
    if (node.type === "object") {
      const value = get(path);
      if (nullable) {
        const on = value != null;
        const toggle = `<div class="field check"><input type="checkbox" id="${idOf(path)}-on" data-toggle="${esc(path.join("."))}"${on ? " checked" : ""}> <label for="${idOf(path)}-on">${esc(tx("fill"))}</label></div>`;
        return `<fieldset data-group="${esc(path.join("."))}"><legend>${esc(label)}</legend>${toggle}${on ? body(node, path) : ""}</fieldset>`;
      }
      return path.length ? `<fieldset data-group="${esc(path.join("."))}"><legend>${esc(label)}</legend>${body(node, path)}</fieldset>` : body(node, path);
    }
    if (node.type === "array") {
      const items = deref(node.items);
      const list = get(path) || [];
      if (items.type === "object") {
        const rows = list.map((_, i) => `<fieldset class="item"><legend>${esc(label)} ${i + 1}</legend>${body(items, [...path, i])}` +
          `<button type="button" class="secondary" data-remove="${esc(path.join("."))}" data-index="${i}">${esc(tx("remove"))} ${esc(label)} ${i + 1}</button></fieldset>`);
        return `<fieldset data-group="${esc(path.join("."))}"><legend>${esc(label)}</legend>${rows.join("")}` +
          `<button type="button" class="secondary" data-add="${esc(path.join("."))}">${esc(tx("add"))}：${esc(label)}</button></fieldset>`;
      }
      const enumItems = deref(items).enum;
      if (enumItems) {
        const boxes = enumItems.map((v) => `<span class="check"><input type="checkbox" id="${idOf(path)}-${esc(v)}" data-set="${esc(path.join("."))}" value="${esc(v)}"${list.includes(v) ? " checked" : ""}> <label for="${idOf(path)}-${esc(v)}">${esc(optionLabel(v))}</label></span>`);
        return `<fieldset data-group="${esc(path.join("."))}" data-path="${esc(path.join("."))}"><legend>${esc(label)}</legend>${boxes.join(" ")}</fieldset>`;
      }
      return `<div class="field"><label for="${idOf(path)}">${esc(label)} <span class="meta">(${esc(tx("lines"))})</span></label>` +
        `<textarea class="lines" id="${idOf(path)}" data-path="${esc(path.join("."))}" data-kind="lines">${esc(list.join("\n"))}</textarea></div>`;
    }
    return input(node, path, nullable, label, required);
  }

  function body(node, path) {
    const required = new Set(node.required || []);
    return `<div class="fields">${Object.entries(node.properties).map(([k, p]) => render(p, [...path, k], k, required.has(k))).join("")}</div>`;
  }

  const parsePath = (s) => s.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  function nodeAt(path) {
    let node = schema;
    for (const k of path) { node = unwrap(node).node; node = typeof k === "number" ? deref(node.items) : node.properties[k]; }
    return node;
  }

  function draw() {
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    root.innerHTML = render(schema, [], "", true);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function onInput(e) {
    const el = e.target;
    if (el.dataset.set) {
      const path = parsePath(el.dataset.set);
      const chosen = [...root.querySelectorAll(`[data-set="${el.dataset.set}"]`)].filter((b) => b.checked).map((b) => b.value);
      set(path, chosen); return;
    }
    if (el.dataset.toggle) {
      const path = parsePath(el.dataset.toggle);
      set(path, el.checked ? blank(unwrap(nodeAt(path)).node) : null); draw(); return;
    }
    if (!el.dataset.path || !el.dataset.kind) return;
    const path = parsePath(el.dataset.path), raw = el.value, nullable = el.dataset.nullable === "true";
    let value = raw;
    if (el.dataset.kind === "bool") value = el.checked;
    else if (el.dataset.kind === "lines") value = raw.split("\n").map((s) => s.trim()).filter(Boolean);
    else if (raw === "" && nullable) value = null;
    else if (el.dataset.kind === "int") value = raw === "" ? null : Number.parseInt(raw, 10);
    else if (el.dataset.kind === "num") value = raw === "" ? null : Number(raw);
    set(path, value);
  }

  function onClick(e) {
    const el = e.target;
    if (el.dataset.add) {
      const path = parsePath(el.dataset.add);
      const list = get(path) || [];
      list.push(blank(deref(unwrap(nodeAt(path)).node.items)));
      set(path, list); draw();
      const fresh = root.querySelectorAll(`[data-group="${el.dataset.add}"] > fieldset.item`);
      const first = fresh[fresh.length - 1] && fresh[fresh.length - 1].querySelector("input, select, textarea");
      if (first) first.focus();
    } else if (el.dataset.remove) {
      const path = parsePath(el.dataset.remove);
      get(path).splice(Number(el.dataset.index), 1); draw();
    }
  }

  return {
    async init(container, sample) {
      root = container;
      schema = await (await fetch("/page/form-schema")).json();
      model = sample || blank(schema);
      root.addEventListener("input", onInput);
      root.addEventListener("change", onInput);
      root.addEventListener("click", onClick);
      draw();
    },
    language(l) { lang = l; if (schema) draw(); },
    value() { return JSON.parse(JSON.stringify(model)); },
    load(value) { model = value; draw(); },
    showErrors(errors) {
      root.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      root.querySelectorAll(".field-error").forEach((el) => el.remove());
      let first = null;
      (errors || []).forEach((err) => {
        // The deepest rendered field whose path starts the error's path.
        const parts = String(err.path || "").split(".");
        let el = null;
        for (let n = parts.length; n > 0 && !el; n -= 1) el = root.querySelector(`[data-path="${parts.slice(0, n).join(".")}"]`);
        if (!el) return;
        el.setAttribute("aria-invalid", "true");
        const note = document.createElement("p");
        note.className = "field-error errors";
        note.id = `${el.id || idOf(parts)}-error`;
        note.textContent = lang === "zh" ? err.message_zh : err.message_en;
        el.setAttribute("aria-describedby", note.id);
        el.insertAdjacentElement("afterend", note);
        first = first || el;
      });
      if (first) first.focus();
    },
  };
})();
