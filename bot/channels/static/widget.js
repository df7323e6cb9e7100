/*
 * Zairyu Guide chat widget (web API v1, see docs/web-api.md).
 *
 * Embed with one tag; the API is the origin this file was loaded from:
 *   <script src="https://HOST/widget.js" data-partner="acme" data-lang="ja" defer></script>
 * Optional: data-open="true" opens the panel on the first page view (default: closed,
 * behind a launcher button; the open/closed state then follows the visitor for the tab).
 *
 * Plain JavaScript, no build step. Everything lives in an open shadow root, styled only by
 * widget.css (no inline styles: pages may forbid them by CSP). Every text the widget shows
 * comes from the config's `ui` strings or from the bot's replies, and is inserted as text,
 * never as HTML.
 *
 * - Language: data-lang, else the browser's first language the bot speaks, else the
 *   partner's default_lang; the select in the panel changes it (answers are kept).
 * - Session: created only when the visitor opens the panel (a page view costs one config
 *   request); its id is kept in localStorage under zairyu-guide:session:<partner|default>
 *   and resumed after a reload; "delete my data" deletes it on the server and here.
 * - Focus: after a reply, the first new button (or link), else the date input at the date
 *   step, else the text box; Escape closes the panel and returns to the launcher.
 * - The verdict (a reply with `card`) is a card: the outcome in words and a symbol, the key
 *   dates, the reasons, the checklist as tick boxes (kept in localStorage under
 *   zairyu-guide:checks:<session id>, deleted with "delete my data"), the hand-off, the
 *   calendar file and the printable checklist, the rest under "More details". The log
 *   scrolls to the card's top and focus goes to its headline.
 * - Errors (network, 429, 5xx): the error text and a retry button; a 429 keeps the button
 *   disabled for Retry-After seconds. The stored session is only dropped on a 404.
 */
(() => {
  "use strict";

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll('script[src*="widget.js"]')).pop();
  if (!script || !script.src) {
    return;
  }
  const BASE = new URL(script.src, document.baseURI).origin;
  const PARTNER = (script.getAttribute("data-partner") || "").trim();
  const DATA_LANG = (script.getAttribute("data-lang") || "").trim().toLowerCase();
  const OPEN_BY_DEFAULT = script.getAttribute("data-open") === "true";
  const SESSION_KEY = "zairyu-guide:session:" + (PARTNER || "default");
  const CHECKS_PREFIX = "zairyu-guide:checks:";
  const OPEN_KEY = "zairyu-guide:open:" + (PARTNER || "default");
  const HOST_TAG = "zairyu-guide";
  const MAX_TEXT = 500;

  // Last resort only, when the config cannot be fetched (the API is down).
  const FALLBACK_UI = {
    title: "Online residence application guide",
    open: "Open the guide",
    close: "Close the guide",
    send: "Send",
    placeholder: "Type an answer or a question",
    date_label: "Date",
    date_submit: "Use this date",
    language: "Language",
    restart: "Start over",
    forget: "Delete my data",
    forget_confirm: "Delete this conversation and your answers?",
    forgotten: "Your data was deleted.",
    error: "Something went wrong. Please try again.",
    retry: "Try again",
    new_messages: "New messages",
    card_icon_online_now: "Yes",
    card_icon_not_yet: "Not yet",
    card_icon_not_online: "No",
    card_dates: "Key dates",
    card_reasons: "Why",
    card_today: "today",
    card_passed: "passed",
    card_checklist_hint: "Your ticks are kept in this browser only.",
    card_calendar: "Add to calendar",
    card_print: "Print / save as PDF",
    card_more: "More details",
  };

  if (document.querySelector(HOST_TAG + '[data-partner="' + CSS.escape(PARTNER) + '"]')) {
    return; // embedded twice on one page
  }

  // ---- storage that never throws (private modes, blocked storage) -------------------------
  const memory = new Map();
  function store(area, key, value) {
    try {
      const s = window[area];
      if (value === null) {
        s.removeItem(key);
      } else {
        s.setItem(key, value);
      }
    } catch (_) {
      // fall through to memory
    }
    if (value === null) {
      memory.delete(area + key);
    } else {
      memory.set(area + key, value);
    }
  }
  function load(area, key) {
    try {
      const v = window[area].getItem(key);
      if (v !== null) {
        return v;
      }
    } catch (_) {
      // fall through to memory
    }
    return memory.has(area + key) ? memory.get(area + key) : null;
  }

  // ---- state ----------------------------------------------------------------------------
  const state = {
    ui: Object.assign({}, FALLBACK_UI),
    locales: [],
    locale: "",
    defaultLang: null,
    sessionId: load("localStorage", SESSION_KEY),
    configured: false,
    started: false, // the session was resumed or created in this page view
    busy: false,
    blockedUntil: 0,
    expects: null,
    open: false,
    unread: false,
  };

  // ---- DOM helpers ----------------------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) {
          continue;
        }
        if (k === "text") {
          node.textContent = v;
        } else if (k === "class") {
          node.className = v;
        } else {
          node.setAttribute(k, v === true ? "" : String(v));
        }
      }
    }
    for (const c of children || []) {
      node.append(c);
    }
    return node;
  }

  const host = el(HOST_TAG, { "data-partner": PARTNER });
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });
  // Hidden (by the UA's [hidden] rule) until widget.css is in, so it never shows unstyled.
  const root = el("div", { class: "zg-root", hidden: true });
  sheet.addEventListener("load", () => {
    root.hidden = false;
  });
  sheet.addEventListener("error", () => {
    root.hidden = false;
  });

  const launcherText = el("span", { class: "zg-launcher-text" });
  const unreadText = el("span", { class: "zg-sr-only" });
  const launcher = el("button", {
    type: "button",
    class: "zg-launcher",
    "aria-expanded": "false",
    "aria-controls": "zg-panel",
  }, [launcherText, unreadText]);

  const title = el("h2", { class: "zg-title", id: "zg-title" });
  const langLabel = el("label", { class: "zg-lang-label", for: "zg-lang" });
  const langSelect = el("select", { id: "zg-lang", class: "zg-lang" });
  const restartBtn = el("button", { type: "button", class: "zg-tool zg-restart" });
  const forgetBtn = el("button", { type: "button", class: "zg-tool zg-forget" });
  const header = el("div", { class: "zg-header" }, [
    title,
    el("div", { class: "zg-tools" }, [
      el("span", { class: "zg-lang-wrap" }, [langLabel, langSelect]),
      restartBtn,
      forgetBtn,
    ]),
  ]);

  const log = el("div", {
    class: "zg-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-labelledby": "zg-title",
    tabindex: "0",
  });

  const dateLabel = el("label", { class: "zg-date-label", for: "zg-date" });
  const dateInput = el("input", { type: "date", id: "zg-date", class: "zg-date-input", required: true });
  const dateSubmit = el("button", { type: "submit", class: "zg-primary" });
  const dateForm = el("form", { class: "zg-date-form", hidden: true, novalidate: true }, [
    dateLabel,
    el("span", { class: "zg-row" }, [dateInput, dateSubmit]),
  ]);

  const textLabel = el("label", { class: "zg-sr-only", for: "zg-text" });
  const textInput = el("input", {
    type: "text",
    id: "zg-text",
    class: "zg-text-input",
    maxlength: String(MAX_TEXT),
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const sendBtn = el("button", { type: "submit", class: "zg-primary zg-send" });
  const composeForm = el("form", { class: "zg-compose", novalidate: true }, [
    textLabel,
    textInput,
    sendBtn,
  ]);

  const panel = el("section", {
    class: "zg-panel",
    id: "zg-panel",
    "aria-labelledby": "zg-title",
    hidden: true,
  }, [header, log, dateForm, composeForm]);

  root.append(panel, launcher);
  shadow.append(sheet, root);
  if (document.body) {
    document.body.append(host);
  } else {
    document.addEventListener("DOMContentLoaded", () => document.body.append(host));
  }

  // ---- chrome texts ---------------------------------------------------------------------
  function applyUi() {
    const ui = state.ui;
    root.setAttribute("lang", state.locale || "en");
    title.textContent = ui.title;
    launcherText.textContent = state.open ? ui.close : ui.open;
    const unread = state.unread && !state.open;
    unreadText.textContent = unread ? " (" + ui.new_messages + ")" : "";
    launcher.classList.toggle("zg-unread", unread);
    langLabel.textContent = ui.language;
    restartBtn.textContent = ui.restart;
    forgetBtn.textContent = ui.forget;
    dateLabel.textContent = ui.date_label;
    dateSubmit.textContent = ui.date_submit;
    textLabel.textContent = ui.placeholder;
    textInput.setAttribute("placeholder", ui.placeholder);
    sendBtn.textContent = ui.send;
    for (const b of log.querySelectorAll(".zg-retry")) {
      b.textContent = ui.retry;
    }
    langSelect.replaceChildren(
      ...state.locales.map((l) =>
        el("option", { value: l.code, lang: l.code, text: l.name, selected: l.code === state.locale }),
      ),
    );
    langSelect.value = state.locale;
    langSelect.parentElement.hidden = state.locales.length < 2;
  }

  function setAccent(accent) {
    if (typeof accent !== "string" || !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent)) {
      return;
    }
    let hex = accent.slice(1);
    if (hex.length === 3) {
      hex = hex.replace(/./g, "$&$&");
    }
    const lin = (i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    const lum = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
    // Text on the accent: whichever of white and near-black has more contrast.
    const onAccent = (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? "#ffffff" : "#111111";
    root.style.setProperty("--zg-accent", "#" + hex);
    root.style.setProperty("--zg-on-accent", onAccent);
  }

  // ---- HTTP -----------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, retryAfter) {
      super("HTTP " + status);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  function retryAfterSeconds(value) {
    if (!value) {
      return 0;
    }
    if (/^\d+$/.test(value.trim())) {
      return parseInt(value, 10);
    }
    const at = Date.parse(value);
    return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }

  async function api(method, path, body) {
    const init = { method, credentials: "omit", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(BASE + path, init);
    } catch (_) {
      throw new ApiError(0, 0); // network
    }
    if (!resp.ok) {
      throw new ApiError(resp.status, retryAfterSeconds(resp.headers.get("Retry-After")));
    }
    if (resp.status === 204) {
      return null;
    }
    return resp.json();
  }

  function sessionPath(id) {
    return "/api/v1/sessions/" + encodeURIComponent(id);
  }

  // ---- config and language --------------------------------------------------------------
  function supported(code) {
    return state.locales.some((l) => l.code === code);
  }

  function preferredLang() {
    if (DATA_LANG && supported(DATA_LANG)) {
      return DATA_LANG;
    }
    for (const tag of navigator.languages || [navigator.language]) {
      const base = String(tag || "").split("-")[0].toLowerCase();
      if (supported(base)) {
        return base;
      }
    }
    if (state.defaultLang && supported(state.defaultLang)) {
      return state.defaultLang;
    }
    return state.locale || null;
  }

  async function fetchConfig(lang) {
    const q = new URLSearchParams();
    if (PARTNER) {
      q.set("partner", PARTNER);
    }
    if (lang) {
      q.set("lang", lang);
    }
    const cfg = await api("GET", "/api/v1/config?" + q.toString());
    if (cfg.ui && typeof cfg.ui === "object") {
      state.ui = Object.assign({}, FALLBACK_UI, cfg.ui);
    }
    state.locales = Array.isArray(cfg.locales) ? cfg.locales : [];
    state.locale = cfg.locale || lang || state.locale;
    state.defaultLang = cfg.default_lang || null;
    setAccent(cfg.accent);
    state.configured = true;
    applyUi();
  }

  async function configure() {
    // The first fetch learns the locales; a second one only when the best language differs.
    await fetchConfig(DATA_LANG || null);
    const want = preferredLang();
    if (want && want !== state.locale) {
      await fetchConfig(want);
    }
  }

  async function followLocale(reply) {
    if (reply && reply.locale && reply.locale !== state.locale && supported(reply.locale)) {
      try {
        await fetchConfig(reply.locale);
      } catch (_) {
        // The chrome stays in the old language; the conversation itself is right.
      }
    }
  }

  // ---- rendering ------------------------------------------------------------------------
  function isHttpUrl(url) {
    try {
      const u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch (_) {
      return false;
    }
  }

  function disableOldButtons() {
    for (const b of log.querySelectorAll("button.zg-choice")) {
      b.disabled = true;
    }
  }

  function addUserMessage(text) {
    const node = el("div", { class: "zg-msg zg-user" }, [el("p", { class: "zg-text", text })]);
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }

  function addSystemMessage(text, cls) {
    const node = el("div", { class: "zg-msg zg-system " + (cls || "") }, [
      el("p", { class: "zg-text", text }),
    ]);
    log.append(node);
    return node;
  }

  function clearErrors() {
    for (const n of log.querySelectorAll(".zg-error")) {
      n.remove();
    }
  }

  function buttonRow(buttons) {
    const row = el("div", { class: "zg-buttons" });
    for (const b of buttons) {
      const label = String(b.label || b.id || "");
      if (b.url) {
        if (isHttpUrl(b.url)) {
          row.append(el("a", {
            class: "zg-link",
            href: b.url,
            target: "_blank",
            rel: "noopener noreferrer",
            "data-id": b.id,
            text: label,
          }));
        }
      } else {
        const btn = el("button", { type: "button", class: "zg-choice", "data-id": b.id, text: label });
        btn.addEventListener("click", () => {
          if (!btn.disabled) {
            send({ choice: String(b.id) }, label);
          }
        });
        row.append(btn);
      }
    }
    return row;
  }

  // ---- the verdict card -------------------------------------------------------------------
  function checksKey() {
    return CHECKS_PREFIX + state.sessionId;
  }

  function loadChecks() {
    try {
      const v = JSON.parse(load("localStorage", checksKey()) || "[]");
      return new Set(Array.isArray(v) ? v.map(String) : []);
    } catch (_) {
      return new Set();
    }
  }

  function saveCheck(id, on) {
    const checks = loadChecks();
    if (on) {
      checks.add(id);
    } else {
      checks.delete(id);
    }
    store("localStorage", checksKey(), checks.size ? JSON.stringify([...checks]) : null);
  }

  let cardCount = 0;

  // The card for a verdict reply: `card` holds the outcome, dates and reasons (already in
  // the conversation's language), `verdict.checklist` the items, and the messages the
  // hand-off (role "handoff") and the rest ("body", except the checklist's own text).
  function renderCard(reply) {
    const ui = state.ui;
    const card = reply.card;
    const verdict = reply.verdict || {};
    const n = ++cardCount;
    const outcome = ["online_now", "not_yet", "not_online"].includes(card.outcome) ? card.outcome : "not_online";
    const headId = "zg-card-head-" + n;
    const node = el("article", { class: "zg-msg zg-card zg-card-" + outcome, "aria-labelledby": headId });
    const head = el("h3", { class: "zg-card-head", id: headId, tabindex: "-1" }, [
      el("span", {
        class: "zg-card-icon",
        role: "img",
        "aria-label": ui["card_icon_" + outcome],
        text: String(card.symbol || ""),
      }),
      el("span", { class: "zg-card-outcome", text: String(card.headline || "") }),
    ]);
    node.append(head, el("p", { class: "zg-card-answer", text: String(card.answer || "") }));

    const dates = Array.isArray(card.dates) ? card.dates : [];
    if (dates.length) {
      const list = el("ol", { class: "zg-timeline" });
      const today = String(verdict.today || "");
      for (const d of dates) {
        const day = String(d.date || "");
        const when = day < today ? "past" : day === today ? "today" : "ahead";
        const item = el("li", { class: "zg-tl-item zg-tl-" + when, "data-kind": d.kind }, [
          el("span", { class: "zg-tl-label", text: String(d.label || "") }),
          el("time", { class: "zg-tl-date", datetime: day, text: String(d.text || day) }),
        ]);
        if (when !== "ahead") {
          item.append(el("span", { class: "zg-tl-mark", text: "(" + ui[when === "past" ? "card_passed" : "card_today"] + ")" }));
        }
        list.append(item);
      }
      node.append(el("h4", { class: "zg-card-sub", text: ui.card_dates }), list);
    }

    const reasons = Array.isArray(card.reasons) ? card.reasons : [];
    if (reasons.length) {
      node.append(
        el("h4", { class: "zg-card-sub", text: ui.card_reasons }),
        el("ul", { class: "zg-reasons" }, reasons.map((r) => el("li", { class: "zg-text", text: String(r) }))),
      );
    }

    const items = Array.isArray(verdict.checklist) ? verdict.checklist : [];
    if (items.length) {
      const ticked = loadChecks();
      const list = el("ul", { class: "zg-checklist-items" });
      items.forEach((item, i) => {
        const id = String(item.id || i);
        const boxId = "zg-check-" + n + "-" + i;
        const box = el("input", { type: "checkbox", id: boxId, class: "zg-check", "data-item": id });
        box.checked = ticked.has(id);
        box.addEventListener("change", () => {
          saveCheck(id, box.checked);
          // An earlier card of the same conversation (before a language switch) follows.
          for (const other of log.querySelectorAll('input.zg-check[data-item="' + CSS.escape(id) + '"]')) {
            other.checked = box.checked;
          }
        });
        list.append(el("li", { class: "zg-check-row" }, [
          box,
          el("label", { for: boxId, class: "zg-check-label", text: String(item.text || "") }),
        ]));
      });
      node.append(el("fieldset", { class: "zg-checklist" }, [
        el("legend", { class: "zg-card-sub", text: String(card.checklist_title || "") }),
        list,
        el("p", { class: "zg-card-hint", text: ui.card_checklist_hint }),
      ]));
    }

    const title = card.checklist_title ? String(card.checklist_title) : null;
    const more = [];
    for (const msg of reply.messages || []) {
      if (msg.role === "handoff") {
        const part = el("div", { class: "zg-card-handoff" }, [el("p", { class: "zg-text", text: String(msg.text || "") })]);
        if (Array.isArray(msg.buttons) && msg.buttons.length) {
          part.append(buttonRow(msg.buttons));
        }
        node.append(part);
      } else if (msg.role === "body" && !(title && String(msg.text).startsWith(title))) {
        more.push(String(msg.text || ""));
      }
    }

    if (state.sessionId) {
      const base = BASE + sessionPath(state.sessionId);
      node.append(el("div", { class: "zg-buttons zg-card-actions" }, [
        el("a", { class: "zg-action", href: base + "/calendar.ics", download: "zairyu-guide.ics", "data-id": "calendar", text: ui.card_calendar }),
        el("a", {
          class: "zg-action",
          href: base + "/checklist.html",
          target: "_blank",
          rel: "noopener noreferrer",
          "data-id": "print",
          text: ui.card_print,
        }),
      ]));
    }

    if (more.length) {
      node.append(el("details", { class: "zg-card-more" }, [
        el("summary", { class: "zg-card-summary", text: ui.card_more }),
        ...more.map((t) => el("p", { class: "zg-text", text: t })),
      ]));
    }
    return node;
  }

  // moveFocus: true (after the visitor's action), "soft" (only if they are not typing), false.
  function renderReply(reply, moveFocus) {
    clearErrors();
    disableOldButtons();
    const added = [];
    const messages = (reply && reply.messages) || [];
    const hasCard = !!(reply && reply.card && reply.verdict && messages.some((m) => m.role === "headline"));
    for (const msg of messages) {
      if (hasCard && (msg.role === "headline" || msg.role === "body" || msg.role === "handoff")) {
        if (msg.role === "headline") {
          const card = renderCard(reply); // the body and hand-off messages go inside it
          log.append(card);
          added.push(card);
        }
        continue;
      }
      const node = el("div", { class: "zg-msg zg-bot" });
      if (msg.text) {
        node.append(el("p", { class: "zg-text", text: String(msg.text) }));
      }
      const buttons = Array.isArray(msg.buttons) ? msg.buttons : [];
      if (buttons.length) {
        node.append(buttonRow(buttons));
      }
      log.append(node);
      added.push(node);
    }
    state.expects = (reply && reply.expects) || null;
    const wantsDate = !!(state.expects && state.expects.kind === "date");
    dateForm.hidden = !wantsDate;
    if (!wantsDate) {
      dateInput.value = "";
    }
    if (!state.open) {
      state.unread = true;
      applyUi();
    }
    placeView(added, moveFocus);
  }

  // Show the start of the new messages (of the verdict card, when there is one); move focus
  // to the card's headline, else to the first new control.
  function placeView(added, moveFocus) {
    if (!added.length) {
      return;
    }
    const card = added.find((node) => node.classList.contains("zg-card"));
    const first = card || added[0];
    log.scrollTop = Math.max(0, first.offsetTop - 8);
    if (!moveFocus || !state.open) {
      return;
    }
    if (moveFocus === "soft" && shadow.activeElement && shadow.activeElement !== log) {
      return; // the visitor is already somewhere else in the panel (typing, say)
    }
    if (card) {
      card.querySelector(".zg-card-head").focus({ preventScroll: true });
      return;
    }
    let target = null;
    for (const node of added) {
      target = node.querySelector("button.zg-choice:not([disabled]), a.zg-link");
      if (target) {
        break;
      }
    }
    if (!target) {
      target = !dateForm.hidden ? dateInput : textInput;
      target.focus({ preventScroll: true });
      return;
    }
    target.focus({ preventScroll: true });
    const bottom = target.offsetTop + target.offsetHeight + 8;
    if (bottom > log.scrollTop + log.clientHeight) {
      log.scrollTop = bottom - log.clientHeight;
    }
  }

  function showError(err, retry) {
    clearErrors();
    const wait = err && err.status === 429 ? Math.max(1, err.retryAfter || 1) : 0;
    if (wait) {
      state.blockedUntil = Date.now() + wait * 1000;
    }
    const btn = el("button", { type: "button", class: "zg-retry", text: state.ui.retry });
    const node = addSystemMessage(state.ui.error, "zg-error");
    node.setAttribute("role", "alert");
    node.append(el("div", { class: "zg-buttons" }, [btn]));
    if (wait) {
      btn.disabled = true;
      setTimeout(() => {
        btn.disabled = false;
      }, wait * 1000);
    }
    btn.addEventListener("click", () => {
      node.remove();
      retry();
    });
    log.scrollTop = log.scrollHeight;
  }

  // ---- actions --------------------------------------------------------------------------
  // One request at a time; a failure keeps the session and offers a retry of the same step.
  async function run(action, focusAfter) {
    if (state.busy) {
      return;
    }
    const again = () => run(action, true);
    if (Date.now() < state.blockedUntil) {
      showError({ status: 429, retryAfter: Math.ceil((state.blockedUntil - Date.now()) / 1000) }, again);
      return;
    }
    state.busy = true;
    log.setAttribute("aria-busy", "true");
    try {
      await action(focusAfter);
    } catch (err) {
      showError(err, again);
    } finally {
      state.busy = false;
      log.removeAttribute("aria-busy");
    }
  }

  async function ensureConfig() {
    if (!state.configured) {
      await configure();
    }
  }

  async function createSession(focusAfter) {
    const body = {};
    const lang = state.locale && supported(state.locale) ? state.locale : preferredLang();
    if (lang) {
      body.lang = lang;
    }
    if (PARTNER) {
      body.partner = PARTNER;
    }
    const created = await api("POST", "/api/v1/sessions", body);
    state.sessionId = created.session_id;
    store("localStorage", SESSION_KEY, state.sessionId);
    state.started = true;
    await followLocale(created.reply);
    renderReply(created.reply, focusAfter);
  }

  async function startSession(focusAfter) {
    await ensureConfig();
    if (state.sessionId) {
      let reply = null;
      try {
        reply = await api("GET", sessionPath(state.sessionId));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          throw err; // keep the id: the session is still there once the server answers
        }
      }
      if (reply) {
        state.started = true;
        await followLocale(reply);
        renderReply(reply, focusAfter);
        return;
      }
      forgetLocally();
    }
    await createSession(focusAfter);
  }

  function forgetLocally() {
    if (state.sessionId) {
      store("localStorage", checksKey(), null);
    }
    state.sessionId = null;
    state.started = false;
    store("localStorage", SESSION_KEY, null);
  }

  // Sends one event. Without a session (after "delete my data"), a new one starts first; a
  // typed text is then sent to it, anything else (an old button, a command) is not needed.
  async function postEvent(event, focusAfter, clear) {
    if (!state.sessionId) {
      await ensureConfig();
      if (clear) {
        log.replaceChildren();
      }
      await createSession(focusAfter && !("text" in event));
      if (!("text" in event)) {
        return;
      }
    }
    let reply;
    try {
      reply = await api("POST", sessionPath(state.sessionId) + "/events", event);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        // The conversation expired or was deleted elsewhere: start a new one.
        forgetLocally();
        await createSession(focusAfter);
        return;
      }
      throw err;
    }
    state.started = true;
    await followLocale(reply);
    if (clear) {
      log.replaceChildren();
    }
    renderReply(reply, focusAfter);
  }

  function send(event, shownAs) {
    if (state.busy) {
      return;
    }
    if (shownAs) {
      addUserMessage(shownAs);
    }
    run((focusAfter) => postEvent(event, focusAfter), true);
  }

  function openPanel(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    root.classList.toggle("zg-open", open);
    store("sessionStorage", OPEN_KEY, open ? "1" : "0");
    if (open) {
      state.unread = false;
    }
    applyUi();
    if (open && !state.started) {
      run(startSession, focus ? "soft" : false); // ignored while booting: boot() starts it
    }
    if (open && focus) {
      focusCurrent();
    } else if (!open && focus) {
      launcher.focus();
    }
  }

  // On opening: the current question's first button, else the date input, else the log
  // (not the text box: on a phone that would pop up the keyboard).
  function focusCurrent() {
    const live = log.querySelector("button.zg-choice:not([disabled])");
    (live || (!dateForm.hidden ? dateInput : log)).focus();
  }

  // ---- events ---------------------------------------------------------------------------
  launcher.addEventListener("click", () => openPanel(!state.open, true));

  root.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.open) {
      e.preventDefault();
      openPanel(false, true);
    }
  });

  composeForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = textInput.value.trim().slice(0, MAX_TEXT);
    if (!text || state.busy) {
      return;
    }
    textInput.value = "";
    send({ text }, text);
  });

  dateForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = dateInput.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      dateInput.focus();
      return;
    }
    send({ text: value }, value);
  });

  langSelect.addEventListener("change", () => {
    const code = langSelect.value;
    if (state.busy) {
      langSelect.value = state.locale;
      return;
    }
    if (!supported(code) || code === state.locale) {
      return;
    }
    // The chrome follows at once; the conversation shows its current question again in the
    // new language (answers kept). Focus stays on the select.
    run(async () => {
      await fetchConfig(code);
      if (state.started) {
        await postEvent({ command: "lang", arg: code }, false, false);
      }
    }, false);
  });

  restartBtn.addEventListener("click", () => {
    run((focusAfter) => postEvent({ command: "restart" }, focusAfter, true), true);
  });

  forgetBtn.addEventListener("click", () => {
    if (state.busy || !window.confirm(state.ui.forget_confirm)) {
      return;
    }
    run(async () => {
      if (state.sessionId) {
        try {
          await api("DELETE", sessionPath(state.sessionId));
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) {
            throw err;
          }
        }
      }
      forgetLocally();
      state.expects = null;
      dateForm.hidden = true;
      log.replaceChildren();
      addSystemMessage(state.ui.forgotten, "zg-notice");
      textInput.focus();
    }, true);
  });

  // ---- start ----------------------------------------------------------------------------
  async function boot() {
    await configure();
    if (state.open && !state.started) {
      await startSession(false);
    }
  }

  const remembered = load("sessionStorage", OPEN_KEY);
  state.open = remembered === null ? OPEN_BY_DEFAULT : remembered === "1";
  panel.hidden = !state.open;
  launcher.setAttribute("aria-expanded", state.open ? "true" : "false");
  root.classList.toggle("zg-open", state.open);
  applyUi();
  run(boot, false);
})();
