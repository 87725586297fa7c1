// The enterprise page: plain script, no build step. State comes from /page/api/* and one
// Server-Sent Events stream; every change re-renders the part it touches.
"use strict";
const T = {
  zh: {
    skip: "跳到主要内容", title: "企业专属网页", signout: "退出", signin: "登录（一次登录）",
    rid: "登记编号", token: "访问令牌", "signin-btn": "登录", new: "新办企业：填写综合信息表",
    "form-json": "综合信息表（JSON）", submit: "提交申请", "as-json": "以 JSON 查看或粘贴",
    "json-load": "载入到表单", "form-help": "已按示例预填；带 * 的为必填项。提交后各部门同时收到所需信息。",
    "json-bad": "JSON 格式不正确：", hall: "我的办事厅",
    reminders: "办事提醒", policies: "通知公告", licences: "电子证照", none: "暂无",
    overall: "办理进度", submitted: "已提交", in_progress: "办理中", completed: "已办结",
    rejected: "未通过", withdrawn: "已撤回", action_required: "需要补正", pending: "待处理",
    received: "已受理", waiting: "等待前置部门", in_review: "审核中", approved: "已通过",
    correction_requested: "需补正", not_applicable: "不适用", deadline_breached: "已超时",
    fix: "需要补正：请修改以下内容", patch: "补正内容（JSON Merge Patch）", send: "提交补正",
    sent: "补正已提交，相关部门将重新审核。", accepted: "申请已受理。请保存登记编号和访问令牌：",
    due: "截止", via: "送达渠道", page: "本页面", email: "电子邮件", sms: "短信",
    licence: "电子营业执照", forms: "部门审批表", uscc: "统一社会信用代码", lang: "English", more: "新办企业或登录其他申请",
    delivered: "已送达", failed: "发送失败", skipped: "无地址，未发送",
    welcome: "欢迎，", refused: "无权访问", signedout: "已退出登录。", bad: "登录失败：",
    reads: "数据查阅记录", "reads-help": "政府部门工作人员每次查看您填报的个人信息，都会记录在这里：哪个部门、哪位工作人员、何时、为何查看、看了哪些内容。",
    "reads-none": "尚无工作人员查看过您的个人信息。", "read-when": "时间", "read-who": "查阅人", "read-why": "原因", "read-what": "查看内容",
    "read-officer": "工作人员", "read-of": "申请",
    credit: "信用评价", credit_profile: "信用评价", risk_flagged: "风险警示", risk: "风险警示",
    "credit-score": "信用分", "credit-at": "评价时间", "credit-why": "主要影响因素", points: "分",
    "eta": "预计办结", "eta-latest": "最迟", "eta-due": "法定时限", "eta-recent": "根据近期 {n} 件办结情况估算",
    "eta-statutory": "近期办结情况不足，按法定时限估算", "eta-enterprise": "待您提交补正后继续办理，届时重新估算",
    paper: "纸质执照和印章", "d-pickup": "到政务服务大厅自取", "d-post": "免费邮寄", "d-choose": "确认领取方式",
    "r-name": "收件人", "r-mobile": "手机号", "r-province": "省", "r-city": "市", "r-district": "区（县）",
    "r-street": "详细地址", "r-postcode": "邮编", tracking: "运单号", "d-chosen": "已确认领取方式。",
    "d-pickup_ready": "已备好，请到政务服务大厅领取", "d-ordered": "已选择免费邮寄，等待快递揽收",
    "d-accepted": "快递已揽收", "d-in_transit": "运输中", "d-delivered": "已签收", "d-picked_up": "已领取",
    dereg: "简易注销", "dereg-help": "无债权债务的企业可一次申请注销：签署承诺后公示 20 天，期满无异议即准予注销，各部门同步注销相关记录。",
    "dereg-no_debts": "本企业无债权债务，或债权债务已清算完结", "dereg-taxes_settled": "无未结清的应缴税款、罚款和滞纳金",
    "dereg-no_open_cases": "无正在处理的违法案件，未被列入经营异常名录或严重违法失信名单", "dereg-reason": "注销原因（可选）",
    "dereg-sign": "签署承诺并公示", "dereg-signed": "承诺已签署，简易注销公告已发布。",
    "dereg-noticed": "简易注销公示中，公示期至", "dereg-noticed-after": "。期满无异议的，准予注销。",
    "dereg-objected": "公示期内有异议，简易注销已终止，请办理一般注销。",
    "dereg-approved": "已准予简易注销，营业执照已注销。", "dereg-closed": "已注销相关记录的部门",
    annual: "企业年度报告", "ar-year": "年度", "ar-deadline": "报送截止", "ar-opens": "开始报送",
    "ar-not_open": "尚未开始", "ar-open": "可报送", "ar-overdue": "已逾期，请尽快补报", "ar-filed": "已报送",
    "ar-filed_late": "已补报", "ar-listed_abnormal": "未按期报送，已列入经营异常名录", "ar-removed": "已移出经营异常名录",
    "ar-operating_state": "经营状态", "ar-operating": "开业", "ar-suspended": "歇业", "ar-liquidating": "清算",
    "ar-employees": "从业人数", "ar-insured_employees": "社保参保人数", "ar-total_assets_yuan": "资产总额（元）",
    "ar-revenue_yuan": "营业总收入（元）", "ar-net_profit_yuan": "净利润（元）", "ar-tax_paid_yuan": "纳税总额（元）",
    "ar-publish_financials": "公示资产状况信息", "ar-file": "报送年度报告", "ar-remove": "申请移出经营异常名录",
    "ar-filed-flash": "年度报告已报送。", "ar-removed-flash": "已移出经营异常名录。",
    change: "变更登记", "ch-help": "名称、住所、经营范围、注册资本、法定代表人或股东有变化的，在此申请变更：只需填写变化的事项，只有涉及的部门重新审核，通过后换发新版营业执照，旧版仍可核验并标明已被取代。",
    "ch-name": "企业名称", "ch-address": "住所", "ch-registered_capital": "注册资本（元）", "ch-business_scope": "经营范围（每行一项）", "ch-legal_representative": "法定代表人", "ch-shareholders": "股东",
    "ch-people": "法定代表人或股东的变更（JSON 合并补丁，可不填）", "ch-send": "提交变更", "ch-sent": "变更申请已提交，相关部门审核中。",
    "ch-submitted": "审核中", "ch-approved": "变更完成，营业执照已换发", "ch-rejected": "未获通过，可修改后重新提交",
    "ch-nothing": "没有填写任何变化", "ch-decided_approved": "同意", "ch-decided_rejected": "不同意", "ch-decided_not_applicable": "无需办理", "ch-waiting": "待审核",
    permits: "后置审批事项（证照分离）", "permits-help": "以下经营范围须在领取营业执照后向主管部门办理相关手续，系统已推送告知各主管部门。",
    "pk-cancelled": "已取消审批", "pk-filing": "备案", "pk-commitment": "告知承诺", "pk-application": "许可申请",
    "pm-limit": "办理时限", "pm-days": "个工作日", "pm-cancelled": "无需办理，领取营业执照即可开展经营",
    "pm-noticed": "待办理", "pm-submitted": "已提交，待主管部门处理", "pm-filed": "备案完成，可以开展经营",
    "pm-in_review": "主管部门审查中", "pm-approved": "许可已批准", "pm-rejected": "未获批准，可修改后重新提交",
    "pm-number": "编号", "pm-by": "办结期限", "pm-premises": "经营场所", "pm-description": "经营项目说明",
    "pm-commit": "本企业承诺已符合该事项的许可条件，接受事后核查，如有不实愿承担相应法律责任",
    "pm-do-filing": "提交备案", "pm-do-commitment": "签署承诺并提交", "pm-do-application": "提交申请", "pm-sent": "已提交主管部门。",
    help: "在线咨询", "help-help": "先看看常见问题能否解答；仍需咨询的，部门将在 2 个工作日内答复，答复后请为答复评分。",
    "help-rid": "咨询的申请", "help-dept": "咨询部门", "help-text": "您的问题", "help-ask": "提交咨询",
    "help-suggest": "以下常见问题可能已解答您的问题：", "help-asked": "咨询已提交，部门将在 2 个工作日内答复。", "help-none": "尚无咨询。",
    "q-asked": "等待部门答复", "q-answered": "部门已答复，请评价", "q-rated": "已评价", "q-due": "答复期限", "q-answer": "答复",
    "q-score": "满意度", "q-comment": "意见（可选）", "q-send": "提交评价", "q-thanks": "感谢您的评价。", "q-your": "您的评分",
  },
  en: {
    skip: "Skip to main content", title: "Enterprise Page", signout: "Sign out",
    signin: "Sign in (one login)", rid: "Registration id", token: "Access token",
    "signin-btn": "Sign in", new: "New enterprise: the one comprehensive form",
    "form-json": "Comprehensive form (JSON)", submit: "Submit application", "as-json": "View or paste as JSON",
    "json-load": "Load into the form", "form-help": "The sample is filled in; fields marked * are required. Every department receives what it needs from this one form.",
    "json-bad": "That is not valid JSON: ",
    hall: "My service hall", reminders: "Reminders", policies: "Notices", licences: "Electronic licences",
    none: "Nothing yet", overall: "Progress", submitted: "submitted", in_progress: "in progress",
    completed: "completed", rejected: "rejected", withdrawn: "withdrawn",
    action_required: "correction needed", pending: "pending", received: "received",
    waiting: "waiting for a prerequisite", in_review: "in review", approved: "approved",
    correction_requested: "correction requested", not_applicable: "not applicable",
    deadline_breached: "deadline breached", fix: "Correction needed: please change",
    patch: "Correction (JSON Merge Patch)", send: "Send correction",
    sent: "Correction sent; the departments concerned will review again.",
    accepted: "Application accepted. Keep your registration id and access token:",
    due: "due", via: "delivered by", page: "this page", email: "email", sms: "SMS",
    licence: "Electronic business licence", forms: "Department approval forms",
    uscc: "Unified social credit code", lang: "中文", more: "New registration or sign in to another",
    delivered: "delivered", failed: "failed", skipped: "skipped (no address)", welcome: "Welcome, ",
    refused: "Access refused", signedout: "Signed out.", bad: "Sign-in failed: ",
    reads: "Who saw my data", "reads-help": "Each time a government officer is shown the personal information you filed, it is recorded here: which department, which officer, when, why, and which parts.",
    "reads-none": "No officer has seen your personal information.", "read-when": "When", "read-who": "Who", "read-why": "Why", "read-what": "What they saw",
    "read-officer": "officer", "read-of": "application",
    credit: "Credit rating", credit_profile: "credit rating", risk_flagged: "risk warning", risk: "Risk warning",
    "credit-score": "Score", "credit-at": "Computed", "credit-why": "What counted most", points: "points",
    "eta": "Expected completion", "eta-latest": "at the latest", "eta-due": "statutory deadline",
    "eta-recent": "estimated from the last {n} completed registrations",
    "eta-statutory": "too few recent decisions: estimated from the statutory time limits",
    "eta-enterprise": "continues once you send the correction; estimated again then",
    paper: "Paper licence and seals", "d-pickup": "Pick up at the service hall", "d-post": "Free postal delivery",
    "d-choose": "Confirm", "r-name": "Recipient", "r-mobile": "Mobile", "r-province": "Province", "r-city": "City",
    "r-district": "District", "r-street": "Street address", "r-postcode": "Postcode", tracking: "tracking number",
    "d-chosen": "Your choice is recorded.", "d-pickup_ready": "ready to pick up at the service hall",
    "d-ordered": "free postal delivery chosen; waiting for the carrier", "d-accepted": "accepted by the carrier",
    "d-in_transit": "in transit", "d-delivered": "delivered", "d-picked_up": "picked up",
    dereg: "Simplified deregistration", "dereg-help": "An enterprise with no debts closes in one application: sign the commitment, a 20-day public notice follows, and with no objection the enterprise is deregistered and every department closes its records.",
    "dereg-no_debts": "The enterprise has no debts, or they are settled", "dereg-taxes_settled": "No unpaid taxes, fines or late fees",
    "dereg-no_open_cases": "No open case for a violation; not on the abnormal-operations or serious-violation lists", "dereg-reason": "Reason (optional)",
    "dereg-sign": "Sign the commitment and publish the notice", "dereg-signed": "Commitment signed; the public notice is out.",
    "dereg-noticed": "Public notice of simplified deregistration until", "dereg-noticed-after": ". With no objection the enterprise is then deregistered.",
    "dereg-objected": "An objection was filed during the notice: simplified deregistration ended. Please use the ordinary procedure.",
    "dereg-approved": "Deregistered; the business licence is cancelled.", "dereg-closed": "Departments that closed their records",
    annual: "Annual reports", "ar-year": "Year", "ar-deadline": "due by", "ar-opens": "opens",
    "ar-not_open": "not open yet", "ar-open": "open", "ar-overdue": "overdue: please file it now", "ar-filed": "filed",
    "ar-filed_late": "filed late", "ar-listed_abnormal": "not filed in time: listed as abnormal", "ar-removed": "removed from the abnormal-operations list",
    "ar-operating_state": "Operating state", "ar-operating": "operating", "ar-suspended": "suspended", "ar-liquidating": "liquidating",
    "ar-employees": "Employees", "ar-insured_employees": "Insured employees", "ar-total_assets_yuan": "Total assets (yuan)",
    "ar-revenue_yuan": "Revenue (yuan)", "ar-net_profit_yuan": "Net profit (yuan)", "ar-tax_paid_yuan": "Tax paid (yuan)",
    "ar-publish_financials": "Publish the financial figures", "ar-file": "File the annual report", "ar-remove": "Ask to leave the abnormal-operations list",
    "ar-filed-flash": "Annual report filed.", "ar-removed-flash": "Removed from the abnormal-operations list.",
    change: "Change registration", "ch-help": "If the name, address, business scope, capital, legal representative or shareholders change, apply here: fill in only what changes; only the departments it concerns review it, then the licence is re-issued as a new version and the old one verifies as superseded.",
    "ch-name": "Enterprise name", "ch-address": "Address", "ch-registered_capital": "Registered capital (yuan)", "ch-business_scope": "Business scope (one item a line)", "ch-legal_representative": "Legal representative", "ch-shareholders": "Shareholders",
    "ch-people": "Legal representative or shareholders (a JSON merge patch, optional)", "ch-send": "Submit the change", "ch-sent": "Change submitted; the departments concerned are reviewing it.",
    "ch-submitted": "under review", "ch-approved": "change registered: licence re-issued", "ch-rejected": "refused: you may amend it and submit again",
    "ch-nothing": "nothing changes", "ch-decided_approved": "agrees", "ch-decided_rejected": "refuses", "ch-decided_not_applicable": "nothing to decide", "ch-waiting": "reviewing",
    permits: "Permits after the licence", "permits-help": "These business-scope items need a step with the competent department after the licence; each department has been notified.",
    "pk-cancelled": "approval abolished", "pk-filing": "filing", "pk-commitment": "by commitment", "pk-application": "application",
    "pm-limit": "time limit", "pm-days": "working days", "pm-cancelled": "nothing to do: the business licence is enough",
    "pm-noticed": "to do", "pm-submitted": "submitted; waiting for the department", "pm-filed": "filed: you may operate",
    "pm-in_review": "under review by the department", "pm-approved": "permit granted", "pm-rejected": "refused: you may change it and submit again",
    "pm-number": "number", "pm-by": "decided by", "pm-premises": "Premises", "pm-description": "What you will do there",
    "pm-commit": "We commit that the enterprise meets this permit's conditions, accept checks afterwards, and bear the legal consequences of any untruth",
    "pm-do-filing": "File", "pm-do-commitment": "Sign the commitment and submit", "pm-do-application": "Apply", "pm-sent": "Sent to the competent department.",
    help: "Ask a department", "help-help": "See first whether the common questions answer yours; otherwise the department replies within 2 working days. Please rate each reply.",
    "help-rid": "About the application", "help-dept": "Department", "help-text": "Your question", "help-ask": "Send the question",
    "help-suggest": "These common questions may already answer yours:", "help-asked": "Question sent; the department replies within 2 working days.", "help-none": "No questions yet.",
    "q-asked": "waiting for the department's reply", "q-answered": "replied: please rate it", "q-rated": "rated", "q-due": "reply due by", "q-answer": "Reply",
    "q-score": "Satisfaction", "q-comment": "Comment (optional)", "q-send": "Send the rating", "q-thanks": "Thank you for your rating.", "q-your": "Your rating",
  },
};
let lang = localStorage.getItem("ep-lang") || "zh";
let hall = null;
let source = null;
let showForms = false;
let creditShown = null;
let licencesShown = null;
const $ = (id) => document.getElementById(id);
const t = (key) => T[lang][key] ?? key;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const label = (o, base) => (lang === "zh" ? o[`${base}_zh`] : o[`${base}_en`]) || o[`${base}_zh`] || "";
const when = (iso) => (iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB") : "");

function problemText(body) {
  const head = lang === "zh" ? body.message_zh : body.message_en;
  const rows = (body.errors || []).map((e) =>
    `<li><code>${esc(e.path || "")}</code> ${esc(lang === "zh" ? e.message_zh : e.message_en)}</li>`);
  return `<p>${esc(head || body.code)} <code>${esc(body.code)}</code></p><ul>${rows.join("")}</ul>`;
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = t("lang");
  FormUI.language(lang);
  document.title = `${t("title")} · ${lang === "zh" ? "Enterprise Page" : "企业专属网页"}`;
  render();
}

// When a registration in progress is expected to finish (the notifier's prediction.py).
function renderPrediction(p) {
  if (!p) return "";
  const basis = t(`eta-${p.basis}`).replace("{n}", p.learnt_from);
  const stamp = (iso, attr) => `<time datetime="${esc(iso)}"${attr}>${esc(when(iso))}</time>`;
  let times = "";
  if (p.expected_at) times = stamp(p.expected_at, "");
  if (p.latest_at) {
    const latest = `${esc(t("eta-latest"))} ${stamp(p.latest_at, " data-latest")}`;
    times = times ? `${times} (${latest})` : latest;
  }
  return `<p class="eta" data-basis="${esc(p.basis)}">${esc(t("eta"))}: ${times}` +
    ` <span class="meta">${esc(basis)}</span></p>`;
}

function departmentEta(p, d) {
  const e = p && p.departments[d];
  if (!e || e.state === "decided") return "";
  const parts = [];
  if (e.expected_at) parts.push(`${t("eta")} ${when(e.expected_at)}`);
  if (e.latest_at && e.latest_at !== e.due_at) parts.push(`${t("eta-latest")} ${when(e.latest_at)}`);
  if (e.due_at) parts.push(`${t("eta-due")} ${when(e.due_at)}`);
  return parts.map((x) => ` · ${x}`).join("");
}

function renderRegistration(r) {
  const depts = Object.entries(r.departments).map(([d, s]) =>
    `<li class="badge s-${esc(s)}" data-department="${esc(d)}" data-status="${esc(s)}">${esc((r.labels[d] || {})[lang] || d)}: ${esc(t(s))}${esc(departmentEta(r.prediction, d))}</li>`);
  const entries = r.entries.map((e) =>
    `<li data-seq="${e.seq}" data-department="${esc(e.department)}" data-status="${esc(e.status)}" data-occurred-at="${esc(e.occurred_at)}">` +
    `<time datetime="${esc(e.occurred_at)}">${esc(when(e.occurred_at))}</time>${esc(label(e, "message"))}</li>`);
  const fixes = r.corrections.map((c) => {
    const patch = {};
    c.reasons.forEach((x) => {
      // A path comes from a department (the officer API checks it against the form, an external
      // system may not): only plain field names and list indexes, never __proto__ and the like.
      const parts = typeof x.field_path === "string" ? x.field_path.split(".") : [];
      if (!parts.length || parts.some((p) => !/^[a-z][a-z0-9_]*$|^[0-9]{1,4}$/.test(p))) return;
      let node = patch;
      parts.slice(0, -1).forEach((p) => {
        if (!Object.hasOwn(node, p) || typeof node[p] !== "object" || node[p] === null) node[p] = {};
        node = node[p];
      });
      node[parts[parts.length - 1]] = "";
    });
    const items = c.reasons.map((x) => `<li><code>${esc(x.field_path || "")}</code> ${esc(label(x, "message"))}</li>`);
    return `<div class="cta" role="alert" data-correction="${esc(c.department)}">` +
      `<h3>${esc(lang === "zh" ? c.label_zh : c.label_en)} · ${esc(t("fix"))}</h3><ul>${items.join("")}</ul>` +
      `<form class="correction" data-rid="${esc(r.registration_id)}">` +
      `<label for="patch-${esc(r.registration_id)}-${esc(c.department)}">${esc(t("patch"))}</label>` +
      `<textarea id="patch-${esc(r.registration_id)}-${esc(c.department)}" spellcheck="false">${esc(JSON.stringify(patch, null, 2))}</textarea>` +
      `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t("send"))}</button></p></form></div>`;
  });
  return `<article class="registration" data-rid="${esc(r.registration_id)}" aria-label="${esc(r.name || r.registration_id)}">` +
    `<h3>${esc(r.name || r.registration_id)}</h3>` +
    `<p>${esc(t("overall"))}: <span class="overall s-${esc(r.overall_status)}" data-overall="${esc(r.overall_status)}">${esc(t(r.overall_status))}</span>` +
    ` <span class="meta">${esc(r.registration_id)}</span></p>${renderPrediction(r.prediction)}` +
    `<ul class="badges" aria-label="${esc(t("overall"))}">${depts.join("")}</ul>${fixes.join("")}` +
    `<ol class="timeline" aria-live="polite">${entries.join("")}</ol></article>`;
}

function renderNotices(list) {
  if (!list.length) return `<p class="empty">${esc(t("none"))}</p>`;
  return list.map((n) => {
    const tried = (n.deliveries || []).map((d) => `${t(d.channel)}: ${t(d.status)}`).join("；");
    return `<article class="notice" data-kind="${esc(n.kind)}" data-id="${esc(n.id)}" data-delivered-via="${esc(n.delivered_via || "")}">` +
      `<h3>${esc(label(n, "title"))}</h3><p>${esc(label(n, "body"))}</p>` +
      `<p class="meta">${n.due_date ? `${esc(t("due"))} ${esc(n.due_date)} · ` : ""}` +
      `${esc(t("via"))}: <strong>${esc(t(n.delivered_via || "page"))}</strong>${tried ? ` (${esc(tried)})` : ""}</p></article>`;
  }).join("");
}

function renderLicences(regs) {
  const rows = regs.filter((r) => r.licence || r.documents.length).map((r) => {
    const lic = r.licence ? `<p><strong>${esc(t("licence"))}</strong> · ${esc(t("uscc"))} <code>${esc(r.licence.uscc)}</code> · ` +
      `<a href="${esc(r.licence.html)}">HTML</a> · <a href="${esc(r.licence.pdf)}">PDF</a></p>` : "";
    // A deregistered enterprise is offered no paper licence it has not already chosen.
    const closed = r.deregistration && r.deregistration.state === "approved" && !r.delivery;
    const paper = r.licence ? (closed ? "" : renderDelivery(r) + renderPermits(r) + renderChange(r)) + renderAnnualReports(r) + renderDeregistration(r) : "";
    const docs = r.documents.map((d) => `<li>${esc(d.label_zh)} · <a href="${esc(d.html)}">HTML</a> · <a href="${esc(d.pdf)}">PDF</a></li>`);
    return `<div><h3>${esc(r.name || r.registration_id)}</h3>${lic}${paper}${docs.length ? `<p>${esc(t("forms"))}</p><ul>${docs.join("")}</ul>` : ""}</div>`;
  });
  return rows.join("") || `<p class="empty">${esc(t("none"))}</p>`;
}

const RECIPIENT = ["name", "mobile", "province", "city", "district", "street", "postcode"];

// The paper licence and seals (免费邮寄): the choice once, then each step of the delivery.
function renderDelivery(r) {
  const d = r.delivery;
  if (d) {
    const track = d.tracking_number ? ` · ${esc(d.carrier)} ${esc(t("tracking"))} <code>${esc(d.tracking_number)}</code>` : "";
    return `<p class="delivery-state" data-state="${esc(d.state)}"><strong>${esc(t("paper"))}</strong>: ${esc(t(`d-${d.state}`))}${track}</p>`;
  }
  const id = (f) => `d-${esc(r.registration_id)}-${f}`;
  const fields = RECIPIENT.map((f) => `<label for="${id(f)}">${esc(t(`r-${f}`))}</label><input id="${id(f)}" name="${f}"` +
    `${f === "mobile" ? ' inputmode="tel" autocomplete="tel"' : ""}${f === "postcode" ? ' inputmode="numeric"' : ""}>`);
  return `<form class="delivery" data-rid="${esc(r.registration_id)}"><fieldset><legend>${esc(t("paper"))}</legend>` +
    ["pickup", "post"].map((m) => `<label class="choice"><input type="radio" name="method" value="${m}"${m === "pickup" ? " checked" : ""}>${esc(t(`d-${m}`))}</label>`).join(" ") +
    `<div class="postal">${fields.join("")}</div><div class="errors" aria-live="assertive"></div>` +
    `<p><button type="submit">${esc(t("d-choose"))}</button></p></fieldset></form>`;
}

async function chooseDelivery(form) {
  form.querySelector(".errors").innerHTML = "";
  const method = form.querySelector("input[name=method]:checked").value;
  const body = { method };
  if (method === "post") {
    const v = (f) => form.querySelector(`[name=${f}]`).value.trim();
    body.recipient = { name: v("name"), mobile: v("mobile"), address: {
      province: v("province"), city: v("city"), district: v("district"), street: v("street"), postcode: v("postcode") } };
  }
  await postOnceCompleted(form, "delivery", body, "d-chosen");
}

// A call that needs the licence. The registration service learns of the completion a moment
// after this page: a `registration_not_completed` right after the licence appeared is tried
// again, a second apart, 10 times.
async function onceCompleted(rid, action, init = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`/page/api/registrations/${rid}/${action}`, init);
    const body = await response.json().catch(() => ({}));
    if (response.ok || body.code !== "registration_not_completed" || attempt >= 10) return { ok: response.ok, body };
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function postOnceCompleted(form, action, body, done) {
  const answer = await onceCompleted(form.dataset.rid, action, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (answer.ok) { $("flash").textContent = t(done); return true; }
  form.querySelector(".errors").innerHTML = problemText(answer.body);
  return false;
}

// Annual reports (企业年报): the live summary from the timeline, and on demand each year with
// its form (the years and the draft come from the registration service through the page).
const annualOpen = new Set();
const FIGURES = ["employees", "insured_employees", "total_assets_yuan", "revenue_yuan", "net_profit_yuan", "tax_paid_yuan"];

function renderAnnualReports(r) {
  const years = Object.entries(r.annual_reports || {}).sort();
  const live = years.map(([y, a]) => `<li data-year="${esc(y)}" data-state="${esc(a.state)}">${esc(y)} · ${esc(t(`ar-${a.state}`))}</li>`);
  return `<details class="annual" data-rid="${esc(r.registration_id)}"><summary>${esc(t("annual"))}</summary>` +
    `${live.length ? `<ul class="annual-live">${live.join("")}</ul>` : ""}<div class="annual-years"></div></details>`;
}

function annualYear(rid, y, draft) {
  const head = `<strong>${esc(y.year)}</strong> · <span class="ar-state">${esc(t(`ar-${y.state}`))}</span> · ` +
    `${esc(t(y.state === "not_open" ? "ar-opens" : "ar-deadline"))} ${esc(y.state === "not_open" ? y.opens_on : y.deadline)}`;
  const owes = ["open", "overdue", "listed_abnormal"].includes(y.state);
  const id = (f) => `ar-${esc(rid)}-${esc(y.year)}-${f}`;
  let action = "";
  if (owes) {
    const states = ["operating", "suspended", "liquidating"].map((s) => `<option value="${s}">${esc(t(`ar-${s}`))}</option>`).join("");
    const figures = FIGURES.map((f) => `<label for="${id(f)}">${esc(t(`ar-${f}`))}</label>` +
      `<input id="${id(f)}" name="${f}" inputmode="decimal" value="${esc(draft[f] ?? "")}">`).join("");
    action = `<form class="annual-report" data-rid="${esc(rid)}" data-year="${esc(y.year)}"><div class="postal">` +
      `<label for="${id("operating_state")}">${esc(t("ar-operating_state"))}</label><select id="${id("operating_state")}" name="operating_state">${states}</select>` +
      `${figures}</div><label class="choice"><input type="checkbox" name="publish_financials">${esc(t("ar-publish_financials"))}</label>` +
      `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t("ar-file"))}</button></p></form>`;
  } else if (y.listed_on && !y.removed_on) {
    action = `<form class="annual-removal" data-rid="${esc(rid)}" data-year="${esc(y.year)}"><div class="errors" aria-live="assertive"></div>` +
      `<p><button type="submit">${esc(t("ar-remove"))}</button></p></form>`;
  }
  return `<li data-year="${esc(y.year)}" data-state="${esc(y.state)}">${head}${action}</li>`;
}

async function loadAnnualReports(rid) {
  const { ok, body } = await onceCompleted(rid, "annual-reports");
  // Looked up after the answer: a live change may have re-rendered the card meanwhile.
  const box = document.querySelector(`details.annual[data-rid="${rid}"] .annual-years`);
  if (!box) return;
  box.innerHTML = ok ? `<ul class="annual-list">${body.years.map((y) => annualYear(rid, y, body.draft)).join("")}</ul>` : problemText(body);
}

// After the licences card was re-rendered (a live change), the open panels open and load again.
function restoreAnnualReports() {
  annualOpen.forEach((rid) => {
    const panel = document.querySelector(`details.annual[data-rid="${rid}"]`);
    if (panel) { panel.open = true; loadAnnualReports(rid); }
  });
}

async function fileAnnualReport(form) {
  form.querySelector(".errors").innerHTML = "";
  const value = (f) => form.querySelector(`[name=${f}]`).value.trim();
  const body = { operating_state: value("operating_state"), publish_financials: form.querySelector("[name=publish_financials]").checked };
  FIGURES.forEach((f) => { body[f] = ["employees", "insured_employees"].includes(f) ? Number(value(f)) : value(f); });
  if (await postOnceCompleted(form, `annual-reports/${form.dataset.year}`, body, "ar-filed-flash")) loadAnnualReports(form.dataset.rid);
}

async function leaveAbnormalList(form) {
  if (await postOnceCompleted(form, `annual-reports/${form.dataset.year}/removal`, {}, "ar-removed-flash")) loadAnnualReports(form.dataset.rid);
}

// Post-licence permits (证照分离): each permit the licence's scope needs, by its kind, live.
const permitsOpen = new Set();

function renderPermits(r) {
  const items = Object.entries(r.permits || {}).sort();
  if (!items.length) return "";
  const rid = r.registration_id;
  const rows = items.map(([id, p]) => {
    let detail = `${t(`pk-${p.kind}`)} · ${label(p, "department")}`;
    if (p.kind !== "cancelled") detail += ` · ${t("pm-limit")} ${p.time_limit_working_days} ${t("pm-days")}`;
    let state = p.kind === "cancelled" ? t("pm-cancelled") : t(`pm-${p.state}`);
    if (p.permit_number) state += ` · ${t("pm-number")} ${p.permit_number}`;
    if (p.state === "in_review" && p.deadline_at) state += ` · ${t("pm-by")} ${when(p.deadline_at)}`;
    const why = (p.reasons || []).map((x) => `<li>${esc(label(x, "message"))}</li>`).join("");
    const open = p.kind !== "cancelled" && ["noticed", "rejected"].includes(p.state);
    return `<li data-permit="${esc(id)}" data-kind="${esc(p.kind)}" data-state="${esc(p.state)}"><strong>${esc(label(p, "name"))}</strong> ` +
      `<span class="meta">${esc(detail)}</span><p class="pm-state">${esc(state)}</p>${why ? `<ul class="errors">${why}</ul>` : ""}` +
      `${open ? permitForm(rid, id, p.kind) : ""}</li>`;
  });
  return `<details class="permits" data-rid="${esc(rid)}"${permitsOpen.has(rid) ? " open" : ""}><summary>${esc(t("permits"))} (${items.length})</summary>` +
    `<p class="meta">${esc(t("permits-help"))}</p><ul class="permit-list">${rows.join("")}</ul></details>`;
}

function permitForm(rid, id, kind) {
  const f = (x) => `pm-${esc(rid)}-${esc(id)}-${x}`;
  const described = kind === "application" ? `<label for="${f("description")}">${esc(t("pm-description"))}</label>` +
    `<textarea id="${f("description")}" name="description" maxlength="1000"></textarea>` : "";
  const commitment = kind === "commitment" ? `<label class="choice" for="${f("commit")}"><input type="checkbox" id="${f("commit")}" ` +
    `name="commitment_signed" required>${esc(t("pm-commit"))}</label>` : "";
  return `<form class="permit" data-rid="${esc(rid)}" data-permit="${esc(id)}"><label for="${f("premises")}">${esc(t("pm-premises"))}</label>` +
    `<input id="${f("premises")}" name="premises_address" minlength="5" maxlength="200" required>${described}${commitment}` +
    `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t(`pm-do-${kind}`))}</button></p></form>`;
}

async function submitPermit(form) {
  form.querySelector(".errors").innerHTML = "";
  const value = (n) => (form.querySelector(`[name=${n}]`) || { value: "" }).value.trim();
  const box = form.querySelector("[name=commitment_signed]");
  const body = { premises_address: value("premises_address"), description: value("description"), commitment_signed: box ? box.checked : false };
  await postOnceCompleted(form, `permits/${form.dataset.permit}`, body, "pm-sent");
}

// Changes (变更登记): each change's state live from the timeline; on demand the form, pre-filled
// from the record (the registration service, through the page), sent as a merge patch of what
// changed only.
const changeOpen = new Set();
const CHANGE_FIELDS = ["name", "address", "registered_capital", "business_scope"];

function renderChange(r) {
  const rid = r.registration_id;
  const labels = (r.labels || {});
  const rows = Object.entries(r.changes || {}).sort((a, b) => (b[1].submitted_at || "").localeCompare(a[1].submitted_at || "")).map(([id, c]) => {
    let state = t(`ch-${c.state}`);
    if (c.state === "approved") state += ` · ${lang === "zh" ? `第${c.licence_version}版` : `version ${c.licence_version}`}`;
    const who = (c.departments || []).map((d) => `${(labels[d] || {})[lang] || d}: ${t(c.decisions && c.decisions[d] ? `ch-decided_${c.decisions[d]}` : "ch-waiting")}`).join(" · ");
    const why = (c.reasons || []).map((x) => `<li>${esc(label(x, "message"))}</li>`).join("");
    return `<li data-change="${esc(id)}" data-state="${esc(c.state)}"><strong>${esc(changedLabels(c.changed_paths))}</strong> · ` +
      `<span class="ch-state">${esc(state)}</span><p class="meta">${esc(who)}</p>${why ? `<ul class="errors">${why}</ul>` : ""}</li>`;
  });
  return `<details class="change" data-rid="${esc(rid)}"${changeOpen.has(rid) ? " open" : ""}><summary>${esc(t("change"))}</summary>` +
    `<p class="meta">${esc(t("ch-help"))}</p>${rows.length ? `<ul class="change-list">${rows.join("")}</ul>` : ""}<div class="change-form"></div></details>`;
}

// "enterprise.address" → 住所; a person's field → the person (法定代表人, 股东), once each.
function changedLabels(paths) {
  const named = (paths || []).map((p) => t(`ch-${p.startsWith("enterprise.") ? p.split(".")[1] : p.split(".")[0]}`));
  return [...new Set(named)].join(lang === "zh" ? "、" : ", ");
}

function changeForm(rid, form) {
  const id = (f) => `ch-${esc(rid)}-${f}`;
  const e = form.enterprise || {};
  const input = (f, value) => `<label for="${id(f)}">${esc(t(`ch-${f}`))}</label>` +
    (f === "business_scope" ? `<textarea id="${id(f)}" name="${f}">${esc(value.join("\n"))}</textarea>` : `<input id="${id(f)}" name="${f}" value="${esc(value)}">`);
  return `<form class="change-registration" data-rid="${esc(rid)}" data-original="${esc(JSON.stringify(e))}">` +
    CHANGE_FIELDS.map((f) => input(f, e[f] ?? (f === "business_scope" ? [] : ""))).join("") +
    `<label for="${id("people")}">${esc(t("ch-people"))}</label><textarea id="${id("people")}" name="people" spellcheck="false"></textarea>` +
    `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t("ch-send"))}</button></p></form>`;
}

async function loadChangeForm(rid) {
  const { ok, body } = await onceCompleted(rid, "change");
  const box = document.querySelector(`details.change[data-rid="${rid}"] .change-form`);
  if (!box || box.childNodes.length) return;  // gone, or loaded meanwhile (and maybe typed in)
  box.innerHTML = ok ? changeForm(rid, body.form) : problemText(body);
}

async function sendChange(form) {
  const errors = form.querySelector(".errors");
  errors.innerHTML = "";
  const original = JSON.parse(form.dataset.original);
  const enterprise = {};
  CHANGE_FIELDS.forEach((f) => {
    const raw = form.querySelector(`[name=${f}]`).value;
    const value = f === "business_scope" ? raw.split("\n").map((x) => x.trim()).filter(Boolean) : raw.trim();
    if (JSON.stringify(value) !== JSON.stringify(original[f])) enterprise[f] = value;
  });
  let patch = Object.keys(enterprise).length ? { enterprise } : {};
  const people = form.querySelector("[name=people]").value.trim();
  if (people) {
    try { patch = { ...patch, ...JSON.parse(people) }; }
    catch (error) { errors.textContent = `${t("json-bad")}${error.message}`; return; }
  }
  if (!Object.keys(patch).length) { errors.textContent = t("ch-nothing"); return; }
  const answer = await onceCompleted(form.dataset.rid, "changes", {
    method: "POST", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify(patch),
  });
  if (answer.ok) { $("flash").textContent = t("ch-sent"); form.closest(".change-form").replaceChildren(); return; }
  errors.innerHTML = problemText(answer.body);
}

// A live change re-renders the licences card: the change forms being filled in are lifted out
// first and put back after, as they are (what was typed, the errors shown); an open panel with
// no form yet loads it.
function keepChangeForms() {
  const kept = new Map();
  document.querySelectorAll("details.change .change-form").forEach((box) => {
    if (box.childNodes.length) kept.set(box.closest("details.change").dataset.rid, [...box.childNodes]);
  });
  return kept;
}

function restoreChangeForms(kept) {
  changeOpen.forEach((rid) => {
    const box = document.querySelector(`details.change[data-rid="${rid}"] .change-form`);
    if (!box) return;
    if (kept.has(rid)) box.replaceChildren(...kept.get(rid)); else loadChangeForm(rid);
  });
}

// The helpdesk (在线咨询): common questions first, then a department's reply, then a rating.
let questionsShown = null;
let suggestTimer = null;

function renderAskForm(regs) {
  const rid = $("ask-rid");
  const chosen = rid.value;
  rid.innerHTML = regs.map((r) => `<option value="${esc(r.registration_id)}">${esc(r.name || r.registration_id)}</option>`).join("");
  if (chosen) rid.value = chosen;
  const dept = $("ask-dept");
  const picked = dept.value;
  const labels = (regs[0] || {}).labels || {};
  dept.innerHTML = Object.keys(labels).map((d) => `<option value="${esc(d)}">${esc(labels[d][lang] || d)}</option>`).join("");
  if (picked) dept.value = picked;
}

async function suggestArticles() {
  const text = $("ask-text").value.trim();
  const box = $("help-suggestions");
  if (text.length < 2) { box.innerHTML = ""; return; }
  const body = await (await fetch(`/page/api/help/articles?q=${encodeURIComponent(text)}`)).json().catch(() => ({ articles: [] }));
  box.innerHTML = body.articles.length ? `<p>${esc(t("help-suggest"))}</p><ul class="articles">` +
    body.articles.map((a) => `<li data-article="${esc(a.id)}"><details><summary>${esc(label(a, "title"))}</summary><p>${esc(label(a, "body"))}</p></details></li>`).join("") + "</ul>" : "";
}

function renderQuestion(rid, q) {
  let meta = `${label(q, "department")} · ${t(`q-${q.state}`)}`;
  if (q.state === "asked") meta += ` · ${t("q-due")} ${when(q.due_at)}`;
  const answer = q.answer ? `<blockquote class="answer"><strong>${esc(t("q-answer"))}</strong>: ${esc(q.answer.text)}</blockquote>` : "";
  let rating = "";
  if (q.rating) rating = `<p class="meta">${esc(t("q-your"))}: ${"★".repeat(q.rating.score)}${"☆".repeat(5 - q.rating.score)}</p>`;
  else if (q.state === "answered") {
    const id = (x) => `qr-${esc(q.question_id)}-${x}`;
    const stars = [1, 2, 3, 4, 5].map((n) => `<label class="choice"><input type="radio" name="score" value="${n}"${n === 5 ? " checked" : ""}>${n}</label>`).join("");
    rating = `<form class="rating" data-rid="${esc(rid)}" data-question="${esc(q.question_id)}"><fieldset><legend>${esc(t("q-score"))}</legend>${stars}</fieldset>` +
      `<label for="${id("comment")}">${esc(t("q-comment"))}</label><input id="${id("comment")}" name="comment" maxlength="500">` +
      `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t("q-send"))}</button></p></form>`;
  }
  return `<li data-question="${esc(q.question_id)}" data-state="${esc(q.state)}"><p>${esc(q.text)}</p><p class="meta">${esc(meta)}</p>${answer}${rating}</li>`;
}

// Reloaded when a question's state changes on a timeline (asked, answered, rated), not per event.
async function loadQuestions(regs) {
  const signature = JSON.stringify([lang, regs.map((r) => [r.registration_id, r.questions || {}])]);
  if (signature === questionsShown) return;
  questionsShown = signature;
  const lists = await Promise.all(regs.map(async (r) => {
    const body = await (await fetch(`/page/api/registrations/${r.registration_id}/questions`)).json().catch(() => ({ questions: [] }));
    return (body.questions || []).map((q) => renderQuestion(r.registration_id, q)).join("");
  }));
  const items = lists.join("");
  $("questions").innerHTML = items ? `<ul class="questions">${items}</ul>` : `<p class="empty">${esc(t("help-none"))}</p>`;
}

async function askQuestion(e) {
  e.preventDefault();
  $("ask-errors").innerHTML = "";
  const rid = $("ask-rid").value;
  const response = await fetch(`/page/api/registrations/${rid}/questions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ department: $("ask-dept").value, text: $("ask-text").value.trim() }),
  });
  if (!response.ok) { $("ask-errors").innerHTML = problemText(await response.json().catch(() => ({}))); return; }
  $("ask-text").value = ""; $("help-suggestions").innerHTML = "";
  $("flash").textContent = t("help-asked");
  questionsShown = null; loadQuestions(hall.registrations);
}

async function rateReply(form) {
  form.querySelector(".errors").innerHTML = "";
  const score = Number(form.querySelector("[name=score]:checked").value);
  const response = await fetch(`/page/api/registrations/${form.dataset.rid}/questions/${form.dataset.question}/rating`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ score, comment: form.querySelector("[name=comment]").value.trim() }),
  });
  if (!response.ok) { form.querySelector(".errors").innerHTML = problemText(await response.json().catch(() => ({}))); return; }
  $("flash").textContent = t("q-thanks");
  questionsShown = null; loadQuestions(hall.registrations);
}

const DECLARATIONS = ["no_debts", "taxes_settled", "no_open_cases"];

// Simplified deregistration (简易注销): the commitment once, then the notice and its outcome.
function renderDeregistration(r) {
  const d = r.deregistration;
  if (d) {
    let text = t(`dereg-${d.state}`);
    if (d.state === "noticed") {
      text = `${text} <time datetime="${esc(d.notice_ends_at)}">${esc(when(d.notice_ends_at))}</time>${esc(t("dereg-noticed-after"))}`;
    } else text = esc(text);
    const closed = Object.keys(d.departments_closed || {}).map((x) => `<li data-closed="${esc(x)}">${esc((r.labels[x] || {})[lang] || x)}</li>`);
    return `<div class="deregistration" data-state="${esc(d.state)}"><p><strong>${esc(t("dereg"))}</strong>: ${text}</p>` +
      `${closed.length ? `<p>${esc(t("dereg-closed"))}</p><ul>${closed.join("")}</ul>` : ""}</div>`;
  }
  const id = (f) => `dr-${esc(r.registration_id)}-${f}`;
  const boxes = DECLARATIONS.map((f) => `<label class="choice" for="${id(f)}"><input type="checkbox" id="${id(f)}" name="${f}" required>${esc(t(`dereg-${f}`))}</label>`);
  return `<details class="deregistration-offer"><summary>${esc(t("dereg"))}</summary>` +
    `<form class="deregister" data-rid="${esc(r.registration_id)}"><p class="meta">${esc(t("dereg-help"))}</p>${boxes.join("")}` +
    `<label for="${id("reason")}">${esc(t("dereg-reason"))}</label><input id="${id("reason")}" name="reason" maxlength="200">` +
    `<div class="errors" aria-live="assertive"></div><p><button type="submit">${esc(t("dereg-sign"))}</button></p></form></details>`;
}

async function deregister(form) {
  form.querySelector(".errors").innerHTML = "";
  const body = Object.fromEntries(DECLARATIONS.map((f) => [f, form.querySelector(`[name=${f}]`).checked]));
  const reason = form.querySelector("[name=reason]").value.trim();
  if (reason) body.reason = reason;
  await postOnceCompleted(form, "deregistration", body, "dereg-signed");
}

// A contribution in score points, signed: +120, −80 (a true minus sign), +0.4 below one point.
function points(x) {
  const n = Number(x) || 0;
  const size = Math.abs(n) >= 1 ? String(Math.round(Math.abs(n))) : Math.abs(n).toFixed(1);
  return `${n < 0 ? "\u2212" : "+"}${size}`;
}

// The newest risk warning (风险警示) still in force: none once a later portrait is out of C/D.
function riskWarning(r) {
  const flags = r.entries.filter((e) => e.department === "credit" && e.status === "risk_flagged");
  const flag = flags[flags.length - 1];
  if (!flag) return null;
  const c = r.credit;
  const improved = c && !["C", "D"].includes(c.credit_class) && Date.parse(c.computed_at) > Date.parse(flag.occurred_at);
  return improved ? null : flag;
}

// The credit portrait (信用画像) of each registered enterprise: class, level, score and why.
function renderCredit(regs) {
  return regs.filter((r) => r.credit).map((r) => {
    const c = r.credit;
    const grade = lang === "zh" ? `${c.credit_class} 类 ${c.level} 级` : `Class ${c.credit_class}, level ${c.level}`;
    const flag = riskWarning(r);
    const risk = flag ? `<div class="risk" data-risk-seq="${esc(flag.seq)}"><strong>${esc(t("risk"))}</strong> ` +
      `<time datetime="${esc(flag.occurred_at)}">${esc(when(flag.occurred_at))}</time><p>${esc(label(flag, "message"))}</p></div>` : "";
    const why = (c.explanation || []).map((x) =>
      `<li data-indicator="${esc(x.indicator)}" data-contribution="${esc(x.contribution)}">` +
      `<span>${esc(label(x, "label"))}</span> <span class="points ${x.contribution < 0 ? "down" : "up"}">` +
      `${esc(points(x.contribution))} ${esc(t("points"))}</span></li>`);
    return `<div class="credit" data-rid="${esc(r.registration_id)}" data-credit-class="${esc(c.credit_class)}" data-level="${esc(c.level)}">` +
      `<h3>${esc(r.name || r.registration_id)}</h3>` +
      `<p class="grade"><span class="class-${esc(c.credit_class)}">${esc(grade)}</span> · ${esc(label(c, "label"))}</p>` +
      `<p>${esc(t("credit-score"))} <strong class="score">${esc(c.score)}</strong> / 1000 ` +
      `<meter min="0" max="1000" low="550" high="750" optimum="1000" value="${esc(c.score)}">${esc(c.score)}</meter>` +
      ` <span class="meta">${esc(t("credit-at"))} <time datetime="${esc(c.computed_at)}">${esc(when(c.computed_at))}</time></span></p>` +
      `${risk}${why.length ? `<p>${esc(t("credit-why"))}</p><ul class="explanation">${why.join("")}</ul>` : ""}</div>`;
  }).join("");
}

// The parts of the form a department may be shown, by the form's own section names.
const SECTIONS = {
  zh: { enterprise: "企业信息", legal_representative: "法定代表人", shareholders: "股东", principal_officers: "主要人员",
    seals: "印章", tax: "税务信息", employment: "用工与社保", bank_account: "银行账户", consent: "授权同意" },
  en: { enterprise: "enterprise", legal_representative: "legal representative", shareholders: "shareholders",
    principal_officers: "principal officers", seals: "seals", tax: "tax details", employment: "employment and social insurance",
    bank_account: "bank account", consent: "consent" },
};

function renderReads(regs) {
  const rows = regs.flatMap((r) => (r.data_reads || []).map((x) => [r, x]))
    .sort(([, a], [, b]) => (a.occurred_at < b.occurred_at ? 1 : -1))
    .map(([r, x]) => `<tr data-read-department="${esc(x.department)}" data-read-officer="${esc(x.officer_id)}">` +
      `<td><time datetime="${esc(x.occurred_at)}">${esc(when(x.occurred_at))}</time></td>` +
      `<td>${esc(lang === "zh" ? x.department_zh : x.department_en)} · ${esc(t("read-officer"))} <code>${esc(x.officer_id)}</code></td>` +
      `<td>${esc(lang === "zh" ? `${x.purpose_zh}（${t("read-of")}：${r.name || r.registration_id}）` : `${x.purpose_en} (${t("read-of")}: ${r.name || r.registration_id})`)}</td>` +
      `<td>${x.sections.map((s) => esc((SECTIONS[lang] || {})[s] || s)).join(lang === "zh" ? "、" : ", ")}</td></tr>`);
  if (!rows.length) return `<p class="empty">${esc(t("reads-none"))}</p>`;
  return `<table><thead><tr>${["read-when", "read-who", "read-why", "read-what"].map((k) => `<th scope="col">${esc(t(k))}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`;
}

function render() {
  const signedIn = Boolean(hall);
  ["hall-card", "reminders-card", "policies-card", "licences-card", "reads-card", "help-card", "signout", "more"].forEach((id) => $(id).classList.toggle("hidden", !signedIn));
  ["signin-card", "submit-card"].forEach((id) => $(id).classList.toggle("hidden", signedIn && !showForms));
  if (!signedIn) { $("who").textContent = ""; $("credit-card").classList.add("hidden"); return; }
  const licensed = hall.registrations.filter((r) => r.uscc);
  hall.enterprise = licensed.length ? { uscc: licensed[licensed.length - 1].uscc, name: licensed[licensed.length - 1].name } : null;
  // Keep what the enterprise is typing in a correction box across live re-renders.
  const typing = document.activeElement && document.activeElement.closest(".correction") ? document.activeElement.id : null;
  const drafts = {};
  document.querySelectorAll(".correction textarea").forEach((el) => { drafts[el.id] = el.value; });
  $("registrations").innerHTML = hall.registrations.map(renderRegistration).join("") || `<p class="empty">${esc(t("none"))}</p>`;
  Object.entries(drafts).forEach(([id, v]) => { if ($(id)) $(id).value = v; });
  if (typing && $(typing)) $(typing).focus();
  $("reminders").innerHTML = renderNotices(hall.notifications.filter((n) => n.kind !== "policy"));
  $("policies").innerHTML = renderNotices(hall.notifications.filter((n) => n.kind === "policy"));
  // Replaced only when it changed: an open delivery form keeps what is being typed into it.
  const licences = renderLicences(hall.registrations);
  if (licences !== licencesShown) {
    const kept = keepChangeForms();
    $("licences").innerHTML = licences; licencesShown = licences; restoreAnnualReports(); restoreChangeForms(kept);
  }
  const rated = hall.registrations.some((r) => r.credit);
  $("credit-card").classList.toggle("hidden", !rated);
  // Only a changed card is replaced: its live region then announces the change, not every event.
  const credit = rated ? renderCredit(hall.registrations) : "";
  if (credit !== creditShown) { $("credit").innerHTML = credit; creditShown = credit; }
  $("reads").innerHTML = renderReads(hall.registrations);
  renderAskForm(hall.registrations);
  loadQuestions(hall.registrations);
  $("who").textContent = hall.enterprise ? `${t("welcome")}${hall.enterprise.name} · ${hall.enterprise.uscc}` : "";
  if (hall.enterprise && location.pathname === "/page") history.replaceState(null, "", `/page/e/${hall.enterprise.uscc}`);
}

function connect() {
  if (source) source.close();
  source = new EventSource("/page/api/stream");
  source.addEventListener("hall", (e) => { hall = JSON.parse(e.data); render(); });
  source.addEventListener("registration", (e) => {
    const view = JSON.parse(e.data);
    if (!hall) return;
    const at = hall.registrations.findIndex((r) => r.registration_id === view.registration_id);
    if (at >= 0) hall.registrations[at] = view; else hall.registrations.push(view);
    render();
  });
  source.addEventListener("notifications", (e) => { if (hall) { hall.notifications = JSON.parse(e.data); render(); } });
}

async function load() {
  const uscc = location.pathname.startsWith("/page/e/") ? location.pathname.split("/")[3] : null;
  const response = await fetch(`/page/api/me${uscc ? `?uscc=${encodeURIComponent(uscc)}` : ""}`);
  if (response.ok) { hall = await response.json(); render(); connect(); return; }
  hall = null; render();
  if (response.status === 403) $("flash").textContent = t("refused");
}

async function signIn(event) {
  event.preventDefault();
  const response = await fetch("/page/api/session", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ registration_id: $("rid").value.trim(), access_token: $("token").value.trim() }),
  });
  if (response.ok) { $("flash").textContent = ""; await load(); return; }
  const body = await response.json().catch(() => ({}));
  $("flash").innerHTML = `${esc(t("bad"))}${problemText(body)}`;
}

async function submitForm(event) {
  event.preventDefault();
  $("submit-errors").innerHTML = "";
  const response = await fetch("/page/api/registrations", {
    method: "POST", headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify(FormUI.value()),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 202) {
    $("submit-errors").innerHTML = problemText(body);
    FormUI.showErrors(body.errors);
    return;
  }
  FormUI.showErrors([]);
  showForms = false;
  $("submitted").classList.remove("hidden");
  $("submitted").innerHTML = `<p>${esc(t("accepted"))}</p><p>${esc(t("rid"))}: <code>${esc(body.registration_id)}</code><br>` +
    `${esc(t("token"))}: <code>${esc(body.access_token)}</code></p>`;
  await load();
}

async function sendCorrection(form) {
  const box = form.querySelector(".errors");
  box.innerHTML = "";
  const response = await fetch(`/page/api/registrations/${form.dataset.rid}/corrections`, {
    method: "POST", headers: { "content-type": "application/merge-patch+json" }, body: form.querySelector("textarea").value,
  });
  if (response.status === 202) { $("flash").textContent = t("sent"); return; }
  box.innerHTML = problemText(await response.json().catch(() => ({})));
}

document.addEventListener("DOMContentLoaded", async () => {
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("ep-lang", lang); applyLanguage(); });
  $("signin-form").addEventListener("submit", signIn);
  $("more").addEventListener("click", () => { showForms = !showForms; render(); if (showForms) $("form-json").focus(); });
  $("submit-form").addEventListener("submit", submitForm);
  $("registrations").addEventListener("submit", (e) => { if (e.target.matches(".correction")) { e.preventDefault(); sendCorrection(e.target); } });
  $("licences").addEventListener("submit", (e) => {
    if (e.target.matches(".delivery")) { e.preventDefault(); chooseDelivery(e.target); }
    if (e.target.matches(".deregister")) { e.preventDefault(); deregister(e.target); }
    if (e.target.matches(".annual-report")) { e.preventDefault(); fileAnnualReport(e.target); }
    if (e.target.matches(".annual-removal")) { e.preventDefault(); leaveAbnormalList(e.target); }
    if (e.target.matches(".permit")) { e.preventDefault(); submitPermit(e.target); }
    if (e.target.matches(".change-registration")) { e.preventDefault(); sendChange(e.target); }
  });
  $("licences").addEventListener("toggle", (e) => {
    if (e.target.matches("details.permits")) {
      if (e.target.open) permitsOpen.add(e.target.dataset.rid); else permitsOpen.delete(e.target.dataset.rid);
      return;
    }
    if (e.target.matches("details.change")) {
      const rid = e.target.dataset.rid;
      if (e.target.open && !changeOpen.has(rid)) { changeOpen.add(rid); loadChangeForm(rid); }
      if (!e.target.open) changeOpen.delete(rid);
      return;
    }
    if (!e.target.matches("details.annual")) return;
    const rid = e.target.dataset.rid;
    if (e.target.open && !annualOpen.has(rid)) { annualOpen.add(rid); loadAnnualReports(rid); }
    if (!e.target.open) annualOpen.delete(rid);
  }, true);
  $("ask-form").addEventListener("submit", askQuestion);
  $("ask-text").addEventListener("input", () => { clearTimeout(suggestTimer); suggestTimer = setTimeout(suggestArticles, 300); });
  $("questions").addEventListener("submit", (e) => { if (e.target.matches(".rating")) { e.preventDefault(); rateReply(e.target); } });
  $("signout").addEventListener("click", async () => {
    await fetch("/page/api/session", { method: "DELETE" });
    if (source) source.close();
    hall = null; history.replaceState(null, "", "/page"); render(); $("flash").textContent = t("signedout");
  });
  const sample = await fetch("/page/sample-form");
  await FormUI.init($("guided"), sample.ok ? await sample.json() : null);
  $("json-panel").addEventListener("toggle", () => {
    if ($("json-panel").open) $("form-json").value = JSON.stringify(FormUI.value(), null, 2);
  });
  $("json-load").addEventListener("click", () => {
    try { FormUI.load(JSON.parse($("form-json").value)); $("submit-errors").textContent = ""; }
    catch (error) { $("submit-errors").textContent = `${t("json-bad")}${error.message}`; }
  });
  applyLanguage();
  await load();
});
