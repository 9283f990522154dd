// kabot sandbox: a small Telegram-like client for the local Bot API. No build step.
"use strict";

const $ = (id) => document.getElementById(id);
let people = [];
let me = null; // the person chosen
let chat = null; // the chat shown
let lastVersion = null;
// Actions under way (sending, pressing, refreshing): 0 when the page shows what is.
window.kabotBusy = 0;

async function busy(work) {
  window.kabotBusy += 1;
  try {
    return await work();
  } finally {
    window.kabotBusy -= 1;
  }
}

// This start's token (see SandboxWeb): without it the server refuses every request.
const TOKEN = document.querySelector('meta[name="kabot-token"]').content;

function withToken(path) {
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), "X-Kabot-Token": TOKEN };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json();
}

function post(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Telegram's entities (offsets in UTF-16 units, as JavaScript strings count) to HTML.
const TAGS = {
  bold: ["<b>", "</b>"], italic: ["<i>", "</i>"], underline: ["<u>", "</u>"],
  strikethrough: ["<s>", "</s>"], code: ["<code>", "</code>"], pre: ["<pre>", "</pre>"],
  spoiler: ['<span class="spoiler">', "</span>"], blockquote: ["<blockquote>", "</blockquote>"],
};

function formatted(text, entities) {
  const opens = new Map();
  const closes = new Map();
  for (const e of entities || []) {
    let pair = TAGS[e.type];
    if (e.type === "text_link") pair = [`<a href="${escapeHtml(e.url)}" target="_blank" rel="noopener">`, "</a>"];
    if (e.type === "text_mention") pair = ['<a class="mention" href="#">', "</a>"];
    if (!pair) continue;
    (opens.get(e.offset) || opens.set(e.offset, []).get(e.offset)).push(pair[0]);
    const end = e.offset + e.length;
    (closes.get(end) || closes.set(end, []).get(end)).unshift(pair[1]);
  }
  let html = "";
  for (let i = 0; i <= text.length; i++) {
    if (closes.has(i)) html += closes.get(i).join("");
    if (opens.has(i)) html += opens.get(i).join("");
    if (i < text.length) html += escapeHtml(text[i]);
  }
  return html;
}

function toast(text) {
  if (!text) return;
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3500);
}

function renderMessage(m) {
  const wrap = document.createDocumentFragment();
  if (m.joined) {
    const note = document.createElement("div");
    note.className = "service";
    note.textContent = `${m.sender} 邀请了 ${m.joined.join("、")}`;
    wrap.appendChild(note);
    return wrap;
  }
  const bubble = document.createElement("div");
  // Photos of an album are small pictures, as Telegram shows them; a chart stays large.
  bubble.className = "bubble" + (m.from_bot ? "" : " mine") + (m.album ? " album" : "");
  bubble.dataset.id = m.id;
  let html = "";
  if (chat && chat.id < 0) html += `<div class="sender">${escapeHtml(m.from_bot ? "kabot" : m.sender)}</div>`;
  if (m.photo) html += `<a href="${withToken(m.photo)}" target="_blank"><img src="${withToken(m.photo)}" alt="photo"></a>`;
  if (m.document) html += `<a class="doc" href="${withToken(m.document.url)}" download="${escapeHtml(m.document.name)}"><span>📄</span>${escapeHtml(m.document.name)}</a>`;
  if (m.location) html += `📍 ${m.location.latitude.toFixed(4)}, ${m.location.longitude.toFixed(4)}`;
  if (m.sticker) html += `<span style="font-size:40px">${escapeHtml(m.sticker)}</span>`;
  if (m.other) html += `[${m.other}]`;
  if (m.text) html += (html ? "<br>" : "") + formatted(m.text, m.entities);
  html += `<div class="meta">${m.edited ? "已编辑 · " : ""}${m.time}</div>`;
  bubble.innerHTML = html;
  wrap.appendChild(bubble);
  if (m.buttons) {
    const grid = document.createElement("div");
    grid.className = "inline";
    buttonRows(grid, m.buttons, (b) => (b.url ? window.open(b.url, "_blank") : press(m.id, b.data)));
    wrap.appendChild(grid);
  }
  return wrap;
}

// Rows of buttons, an inline keyboard's or the reply keyboard's, into ``box``.
function buttonRows(box, rows, onPress) {
  for (const row of rows || []) {
    const line = document.createElement("div");
    line.className = "row";
    for (const b of row) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.text;
      button.onclick = () => onPress(b);
      line.appendChild(button);
    }
    box.appendChild(line);
  }
}

function renderKeyboard(rows) {
  const box = $("keyboard");
  box.innerHTML = "";
  buttonRows(box, rows, (b) => (b.location ? send({ location: true }) : send({ text: b.text })));
}

function renderCommands(commands) {
  const box = $("commands");
  box.innerHTML = "";
  for (const c of commands) {
    const button = document.createElement("button");
    button.type = "button";
    button.innerHTML = `<b>/${escapeHtml(c.command)}</b> — ${escapeHtml(c.description)}`;
    button.onclick = () => { box.hidden = true; send({ text: "/" + c.command }); };
    box.appendChild(button);
  }
}

function refresh() {
  return busy(draw);
}

async function draw() {
  if (!me || !chat) return;
  const data = await api(`/api/chat?as=${me.id}&chat=${chat.id}`);
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML = "";
  for (const m of data.messages) box.appendChild(renderMessage(m));
  if (atBottom || lastVersion === null) box.scrollTop = box.scrollHeight;
  renderKeyboard(data.keyboard);
  renderCommands(data.commands);
  $("now").textContent = "现在 " + data.now.replace("T", " ");
  lastVersion = data.version;
}

function renderChats() {
  const nav = $("chats");
  nav.innerHTML = "";
  for (const c of me.chats) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = (c.private ? "🤖 " : "👥 ") + c.title;
    button.className = chat && chat.id === c.id ? "active" : "";
    button.onclick = () => { chat = c; lastVersion = null; renderChats(); $("title").textContent = button.textContent; refresh(); };
    button.dataset.chat = c.id;
    nav.appendChild(button);
  }
}

function choose(id) {
  return busy(() => switchTo(id));
}

async function switchTo(id) {
  me = people.find((p) => p.id === Number(id)) || people[0];
  chat = me.chats[0];
  lastVersion = null;
  localStorage.setItem("kabot-sandbox-me", String(me.id));
  $("title").textContent = "🤖 kabot";
  renderChats();
  refresh();
}

function send(body) {
  return busy(async () => {
    try {
      await post("/api/send", { as: me.id, chat: chat.id, ...body });
    } catch (error) {
      toast(String(error));
    }
    await draw();
  });
}

function press(message, data) {
  return busy(async () => {
    try {
      const result = await post("/api/press", { as: me.id, chat: chat.id, message, data });
      toast(result.answer);
    } catch (error) {
      toast(String(error));
    }
    await draw();
  });
}

function upload(input, asPhoto) {
  return busy(() => sendFile(input, asPhoto));
}

async function sendFile(input, asPhoto) {
  // Several photos chosen at once are an album; the text typed beside them, their caption.
  const files = Array.from(input.files);
  if (!files.length) return;
  const form = new FormData();
  form.append("as", me.id);
  form.append("chat", chat.id);
  for (const file of files) form.append("file", file, file.name);
  if (asPhoto) {
    form.append("as_photo", "1");
    if ($("text").value.trim()) {
      form.append("caption", $("text").value.trim());
      $("text").value = "";
    }
  }
  try {
    await api("/api/upload", { method: "POST", body: form });
  } catch (error) {
    toast(String(error));
  }
  input.value = "";
  await draw();
}

async function start() {
  const state = await api("/api/state");
  people = state.people;
  const select = $("who");
  select.innerHTML = "";
  const roles = { field: "一线", manager: "经理", director: "总监", admin: "信息员" };
  let group = null;
  for (const p of people) {
    if (!group || group.label !== (p.unit || "—")) {
      group = document.createElement("optgroup");
      group.label = p.unit || "—";
      select.appendChild(group);
    }
    const option = document.createElement("option");
    option.value = p.id;
    option.textContent = `${p.name} · ${roles[p.role] || p.role} · ${p.code}`;
    group.appendChild(option);
  }
  const remembered = localStorage.getItem("kabot-sandbox-me");
  const first = people.find((p) => String(p.id) === remembered) ? remembered : people[0].id;
  select.value = first;
  $("moment").value = state.now.slice(0, 16);
  await switchTo(first);
}

$("who").onchange = (event) => choose(event.target.value);
// Enter sends, Shift+Enter starts a new line (a visit's sections are lines of one message).
$("text").onkeydown = (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
};
$("composer").onsubmit = (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) return;
  $("text").value = "";
  send({ text });
};
$("menu").onclick = () => { $("commands").hidden = !$("commands").hidden; };
$("photo").onchange = () => upload($("photo"), true);
$("file").onchange = () => upload($("file"), false);
$("machine").onsubmit = (event) => {
  event.preventDefault();
  const to = $("moment").value;
  if (!to) return;
  busy(async () => {
    $("jump").disabled = true;
    try {
      const r = await post("/api/jump", { to });
      toast(`${r.now.replace("T", " ")}：发送 ${r.sent} 条，记罚款 ${r.fines} 笔，简报 ${r.digests} 份，月度汇总 ${r.summaries} 份`);
    } catch (error) {
      toast(String(error));
    }
    $("jump").disabled = false;
    await draw();
  });
};
$("reset").onclick = async () => {
  if (!confirm("重置沙盒？所有聊天和数据将恢复为示例组织。")) return;
  await post("/api/reset", {});
  await busy(start);
};

const events = new EventSource(withToken("/api/events"));
events.onmessage = () => refresh();

busy(start);
