// Agent console (served at /console). Protocol: docs/desk.md, REST /api/agent + socket.io "/agent".
// All server text is inserted with textContent only.
(function () {
  "use strict";

  var TOKEN_KEY = "desk_agent_token";
  var V = window.DeskView, el = V.el; // DOM builders: console-view.js

  function $(id) { return document.getElementById(id); }
  function convPath(id, action) {
    return "/api/agent/conversations/" + encodeURIComponent(id) + (action ? "/" + action : "");
  }

  // ---- state ----
  var state = {
    token: null, agent: null, socket: null, gen: 0, // gen changes at every logout
    tickets: [], queueStamp: 0,                      // tickets: [{t: Ticket, receivedAt, el}]
    convs: new Map(),                                // id -> {view: ConversationView, unread, addedAt}
    current: null, canned: [], timer: null,
    held: null, complianceTimer: null,               // held: id of the conversation with a held reply
    closeArmed: null,                                // id whose visitor was asked 还有什么可以帮您
    waitingLong: new Set(),                          // ids whose visitor waits too long (visitor_waiting)
    messages: [], messageFilter: "unhandled",        // 留言 shown, and which ones
    stamps: { messages: 0, ratings: 0 },             // the newest request of each list wins
  };

  // ---- REST ----
  function ApiError(status, data, stale) {
    this.status = status;
    this.serverMessage = data && data.message;
    this.code = data && data.error;
    this.message = this.serverMessage || (status ? "请求失败(" + status + ")" : "网络错误,请稍后再试");
    this.stale = !!stale; // the agent logged out while the request was under way
  }

  // Calls the API with the token; a 401 (except on login) goes back to the login form.
  async function api(method, path, body) {
    var gen = state.gen, res, data = null;
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    try {
      res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) { throw new ApiError(0, null); }
    try { data = await res.json(); } catch (e) { /* empty or not JSON */ }
    if (gen !== state.gen) throw new ApiError(res.status, data, true);
    if (res.ok) return data || {};
    if (res.status === 401 && path !== "/api/agent/login") sessionExpired();
    throw new ApiError(res.status, data);
  }

  // Shows an API error, unless it was a 401 (already back at login) or stale.
  function fail(err) {
    if (!(err && (err.stale || err.status === 401))) notice((err && err.message) || "操作失败", "error");
  }

  // ---- notices ----
  var noticeTimer = null;
  function notice(text, kind) {
    var box = $("notice");
    box.textContent = text;
    box.className = "notice-bar " + (kind || "info");
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  function setText(id, text) { $(id).textContent = text || ""; $(id).hidden = !text; }

  // ---- login / logout ----
  function showLogin(message) {
    $("desk-view").hidden = true;
    $("login-view").hidden = false;
    setText("login-error", message);
    $("login-agent-id").focus();
  }

  function startDesk(agent) {
    state.agent = agent || {};
    $("login-view").hidden = true;
    $("desk-view").hidden = false;
    renderAgent(); renderQueue(); renderConversations(); clearPane();
    renderMessages(); setUnhandled(0); renderRatings({});
    connectSocket();
    loadQueue(); loadConversations(); loadCanned(); loadCompliance(); loadMessages(); loadRatings();
    loadHours();
    // The 质检 view (console-qc.js): same login, same API helper.
    window.DeskQC.start({
      api: api, fail: fail, agent: state.agent,
      token: function () { return state.token; }, expired: sessionExpired,
    });
    state.timer = setInterval(tick, 1000);
    state.complianceTimer = setInterval(function () { loadCompliance(); loadRatings(); loadHours(); }, 60000);
  }

  // Forgets everything of the current login.
  function teardown() {
    state.gen += 1;
    var socket = state.socket;
    state.socket = null;
    if (socket) { socket.off(); socket.disconnect(); }
    clearInterval(state.timer);
    clearInterval(state.complianceTimer);
    window.DeskQC.stop();
    hideWarning();
    Object.assign(state, {
      token: null, agent: null, tickets: [], convs: new Map(), current: null,
      closeArmed: null, waitingLong: new Set(), messages: [],
    });
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    setText("connection-status", "");
    $("notice").hidden = true;
  }

  function sessionExpired() {
    if (!state.token) return;
    teardown();
    showLogin("登录已失效,请重新登录");
  }

  $("login-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    setText("login-error", "");
    var agentId = $("login-agent-id").value.trim(), password = $("login-password").value;
    if (!agentId || !password) { setText("login-error", "请输入工号和密码"); return; }
    $("login-submit").disabled = true;
    try {
      var data = await api("POST", "/api/agent/login", { agent_id: agentId, password: password });
      state.token = data.token;
      try { sessionStorage.setItem(TOKEN_KEY, data.token); } catch (e) { /* ignore */ }
      $("login-password").value = "";
      startDesk(data.agent);
    } catch (err) {
      setText("login-error", err.message);
    } finally {
      $("login-submit").disabled = false;
    }
  });

  $("logout").addEventListener("click", async function () {
    try { await api("POST", "/api/agent/logout"); } catch (e) { /* leave anyway */ }
    teardown();
    showLogin("");
  });

  // ---- agent header and presence ----
  function renderAgent() {
    var a = state.agent || {};
    $("agent-name").textContent = a.name || "";
    $("agent-id").textContent = a.agent_id || "";
    if (a.status) $("presence").value = a.status;
    $("agent-load").textContent = a.capacity ? "接待 " + state.convs.size + "/" + a.capacity : "";
  }

  $("presence").addEventListener("change", async function () {
    try {
      var data = await api("PUT", "/api/agent/presence", { status: this.value });
      if (data.agent) state.agent = data.agent;
    } catch (err) { fail(err); }
    renderAgent(); // shows the status the server holds
  });

  // ---- socket ----
  function connectSocket() {
    var socket = io("/agent", { path: "/socket.io/", transports: ["websocket"], auth: { token: state.token } });
    var connectedBefore = false;
    state.socket = socket;
    // Refused by the server (the client does not retry then): check the token, retry later.
    function retryLater() {
      api("GET", "/api/agent/me").then(function () {
        setTimeout(function () { if (state.socket === socket && !socket.connected) socket.connect(); }, 3000);
      }, function () { /* a 401 went back to login */ });
    }
    socket.on("connect", function () {
      setText("connection-status", "");
      if (connectedBefore) { // catch up on what was missed
        loadConversations(); loadQueue(); loadMessages(); loadRatings();
      }
      connectedBefore = true;
    });
    socket.on("connect_error", function () {
      setText("connection-status", "实时连接失败,正在重试…");
      if (!socket.active) retryLater();
    });
    socket.on("disconnect", function (reason) {
      setText("connection-status", "实时连接已断开,正在重新连接…");
      if (reason === "io server disconnect") retryLater();
    });
    socket.on("queue", function (data) {
      state.queueStamp += 1;
      setQueue(data && data.tickets);
    });
    socket.on("message", function (data) {
      if (data && data.conversation_id && data.entry) addEntry(data.conversation_id, data.entry, true);
    });
    // The visitor has waited longer than allowed for this agent's answer: highlighted until
    // the agent writes in that conversation.
    socket.on("visitor_waiting", function (data) {
      if (data && data.conversation_id) markWaiting(data.conversation_id);
    });
    socket.on("messages_changed", function (data) {
      if (data && typeof data.unhandled === "number") setUnhandled(data.unhandled);
      loadMessages();
    });
    socket.on("ratings_changed", function () { loadRatings(); });
    socket.on("conversation_ended", function (data) {
      if (data && data.conversation_id) {
        var ended = { bot: "会话已转回机器人", queued: "您离开过久,会话已转回排队" };
        endConversation(data.conversation_id, ended[data.owner] || "会话已结束");
      }
    });
    // What the visitor added while this agent has the chat (a complaint's description, say).
    socket.on("ticket_updated", function (data) {
      updateView(data && data.conversation_id, { ticket: data && data.ticket });
    });
    // The visitor closed (or reopened) their last chat page.
    socket.on("visitor_presence", function (data) {
      updateView(data && data.conversation_id, { visitor_left: !(data && data.present) });
    });
  }

  // ---- queue ----
  async function loadQueue() {
    var stamp = state.queueStamp;
    try {
      var data = await api("GET", "/api/agent/queue");
      if (stamp === state.queueStamp) setQueue(data.tickets); // else a socket update is newer
    } catch (err) { fail(err); }
  }

  function setQueue(tickets) {
    var now = Date.now();
    state.tickets = (Array.isArray(tickets) ? tickets : []).filter(Boolean).map(function (t) {
      return { t: t, receivedAt: now, el: null };
    });
    renderQueue();
  }

  // Seconds waited: the server's figure at receipt plus local time since (no clock skew).
  function waited(item) {
    var base = Number(item.t.waiting_seconds);
    if (!isFinite(base)) base = Date.now() / 1000 - Number(item.t.queued_at);
    return (isFinite(base) ? base : 0) + (Date.now() - item.receivedAt) / 1000;
  }
  function waitingText(item) { return "等待 " + V.fmtDuration(waited(item)); }
  function tick() {
    state.tickets.forEach(function (item) {
      if (item.el) item.el.textContent = waitingText(item);
    });
  }

  function renderQueue() {
    var box = $("queue");
    box.textContent = "";
    $("queue-count").textContent = String(state.tickets.length);
    if (!state.tickets.length) box.appendChild(el("div", "empty", "暂无排队的访客"));
    state.tickets.forEach(function (item) {
      var id = item.t.conversation_id;
      var built = V.ticketRow(item.t, waitingText(item), function (btn) { accept(id, btn); });
      item.el = built.waiting;
      box.appendChild(built.row);
    });
  }

  async function accept(id, btn) {
    btn.disabled = true;
    try {
      var view = await api("POST", convPath(id, "accept"));
      state.tickets = state.tickets.filter(function (x) { return x.t.conversation_id !== id; });
      renderQueue();
      addConversation(view);
      openConversation(view.conversation_id || id);
    } catch (err) {
      btn.disabled = false;
      if (err.status !== 409) return fail(err);
      notice(err.serverMessage || "该会话已被其他客服接入", "error");
      loadQueue();
    }
  }

  // ---- my conversations ----
  async function loadConversations() {
    var started = Date.now();
    try {
      var data = await api("GET", "/api/agent/conversations"), fresh = new Map();
      (data.conversations || []).forEach(function (view) {
        var old = state.convs.get(view.conversation_id);
        fresh.set(view.conversation_id, { view: old ? mergeView(old.view, view) : view, unread: old ? old.unread : 0, addedAt: started });
        if (view.visitor_waiting) state.waitingLong.add(view.conversation_id); // after a reload too
      });
      // Keep conversations accepted while this request was under way.
      state.convs.forEach(function (c, id) { if (!fresh.has(id) && c.addedAt > started) fresh.set(id, c); });
      state.convs = fresh;
      renderConversations();
      renderAgent();
      if (state.current) renderPane(); // clears the pane if it is no longer ours
    } catch (err) { fail(err); }
  }

  // The server's view, plus live lines newer than its transcript.
  function mergeView(oldView, newView) {
    var list = Array.isArray(newView.transcript) ? newView.transcript.slice() : [];
    var maxSeq = list.reduce(function (m, e) { return e && e.seq > m ? e.seq : m; }, -1);
    (oldView.transcript || []).forEach(function (e) { if (e && e.seq > maxSeq) list.push(e); });
    return Object.assign({}, newView, { transcript: list });
  }

  function addConversation(view) {
    if (!view || !view.conversation_id) return;
    var old = state.convs.get(view.conversation_id);
    state.convs.set(view.conversation_id, { view: old ? mergeView(old.view, view) : view, unread: old ? old.unread : 0, addedAt: Date.now() });
    renderConversations();
    renderAgent();
  }

  function renderConversations() {
    var box = $("conversations");
    box.textContent = "";
    if (!state.convs.size) box.appendChild(el("div", "empty", "暂无进行中的会话"));
    state.convs.forEach(function (c, id) {
      var open = function () { openConversation(id); };
      box.appendChild(V.conversationRow(id, c.view, c.unread, id === state.current, open, state.waitingLong.has(id)));
    });
  }

  function markWaiting(id) {
    state.waitingLong.add(id);
    if (state.convs.has(id)) renderConversations();
    else loadConversations(); // accepted elsewhere or still under way
  }

  async function openConversation(id) {
    var c = state.convs.get(id);
    if (!c) return;
    if (state.current !== id) { hideWarning(); armClose(null); }
    state.current = id;
    c.unread = 0;
    renderConversations();
    renderPane();
    $("reply").focus();
    try { // refresh from the server: lines may have been missed while disconnected
      addConversation(await api("GET", convPath(id)));
      if (state.current === id) renderPane();
    } catch (err) {
      if (err.status === 403 || err.status === 404) endConversation(id, err.message);
      else fail(err);
    }
  }

  // A new line of a conversation: from the socket (live), an ack or the REST answer.
  function addEntry(id, entry, live) {
    var c = state.convs.get(id);
    if (!c) { loadConversations(); return; } // not listed yet (e.g. accept still under way)
    var list = c.view.transcript = c.view.transcript || [];
    if (entry.seq != null && list.some(function (e) { return e && e.seq === entry.seq; })) return;
    list.push(entry);
    if (entry.from === "agent") state.waitingLong.delete(id); // answered: no longer waiting
    if (state.current === id) appendLine(entry, true, chosenTitle(list, list.length - 1));
    else if (live) c.unread += 1;
    renderConversations();
  }

  function updateView(id, fields) {
    var c = id && state.convs.get(id);
    if (!c) return;
    c.view = Object.assign({}, c.view, fields);
    renderConversations();
    if (state.current === id) V.fillTicketInfo($("ticket-info"), c.view.ticket, c.view.visitor_left);
  }

  function endConversation(id, message) {
    state.waitingLong.delete(id);
    if (!state.convs.delete(id)) return;
    if (state.current === id) clearPane();
    renderConversations();
    renderAgent();
    if (message) notice(message, "info");
  }

  // ---- conversation pane ----
  function clearPane() {
    state.current = null;
    hideWarning();
    armClose(null);
    $("ticket-info").textContent = "";
    $("transcript").textContent = "";
    $("reply").value = "";
    $("conversation-body").hidden = true;
    $("conversation-empty").hidden = false;
  }

  function renderPane() {
    var c = state.convs.get(state.current);
    if (!c) return clearPane();
    $("conversation-empty").hidden = true;
    $("conversation-body").hidden = false;
    V.fillTicketInfo($("ticket-info"), c.view.ticket, c.view.visitor_left);
    $("transcript").textContent = "";
    var list = c.view.transcript || [];
    list.forEach(function (e, i) { if (e) appendLine(e, false, chosenTitle(list, i)); });
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  // A visitor line that is the payload of a button shown earlier (退出排队, a bot's choice) is
  // shown as the button's title, as on the chat page.
  function chosenTitle(list, index) {
    var entry = list[index];
    if (!entry || entry.from !== "visitor") return null;
    for (var j = index - 1; j >= 0; j--) {
      var buttons = list[j] && Array.isArray(list[j].buttons) ? list[j].buttons : [];
      for (var k = 0; k < buttons.length; k++) {
        var b = buttons[k];
        if (b && b.payload === entry.text && b.title != null) return String(b.title);
      }
    }
    return null;
  }

  function appendLine(e, scroll, title) {
    var box = $("transcript");
    var stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.appendChild(V.transcriptLine(e, title));
    if (scroll && (stick || e.from === "agent")) box.scrollTop = box.scrollHeight;
  }

  // ---- replying (socket agent_message with an ack) ----
  // A reply with a forbidden phrase (服务忌语) comes back `held` with its violations: the warning
  // names each rule and the suggested wording; the agent edits and sends again, or clicks
  // 仍然发送 (`force: true`, counted and recorded by the desk).
  function sendReply(force) {
    var id = state.current, input = $("reply"), text = input.value, socket = state.socket;
    if (!id || !text.trim()) return;
    if (!socket || !socket.connected) { notice("实时连接已断开,请稍后再发送", "error"); return; }
    input.value = "";
    hideWarning();
    setSending(true);
    var data = { conversation_id: id, text: text };
    if (force) data.force = true;
    socket.timeout(10000).emit("agent_message", data, function (err, res) {
      setSending(false);
      if (!err && res && res.entry) {
        addEntry(id, res.entry, false);
        if (res.forced) { notice("已发送,本条提醒已记录", "info"); loadCompliance(); }
        return;
      }
      if (res && res.error === "unauthorized") return sessionExpired(); // logged out elsewhere
      if (!input.value && state.current === id) input.value = text; // give the text back
      if (!err && res && res.held) {
        if (state.current === id) showWarning(id, res.violations);
        loadCompliance();
        return;
      }
      notice(err ? "发送超时,请重试" : (res && res.message) || "发送失败,请重试", "error");
    });
  }

  function setSending(busy) {
    $("reply-send").disabled = busy;
    $("compliance-force").disabled = busy;
  }

  function showWarning(id, violations) {
    var list = $("compliance-violations");
    list.textContent = "";
    (Array.isArray(violations) ? violations : []).forEach(function (v) {
      if (v) list.appendChild(V.violationItem(v));
    });
    state.held = id;
    $("compliance-warning").hidden = false;
  }

  function hideWarning() {
    state.held = null;
    $("compliance-warning").hidden = true;
    $("compliance-violations").textContent = "";
  }

  $("reply-form").addEventListener("submit", function (ev) { ev.preventDefault(); sendReply(false); });
  // Enter sends, Shift+Enter is a newline; Enter that ends an IME composition does not send.
  $("reply").addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    sendReply(false);
  });
  $("compliance-edit").addEventListener("click", function () { hideWarning(); $("reply").focus(); });
  $("compliance-force").addEventListener("click", function () {
    if (state.held && state.held === state.current) sendReply(true);
  });

  // ---- 话术提醒: each agent's warnings per day (GET /api/agent/compliance) ----
  // 工作时间: the hours the desk routes handoffs by and the bot tells visitors (hours.yml).
  async function loadHours() {
    try {
      var data = await api("GET", "/api/agent/hours");
      var box = $("hours");
      box.textContent = "";
      box.appendChild(el("span", "hours-state" + (data.open ? " open" : ""), data.open ? "工作时间内" : "非工作时间"));
      box.appendChild(el("span", "hours-text", "工作时间:" + data.description));
    } catch (err) { fail(err); }
  }

  async function loadCompliance() {
    var gen = state.gen;
    try {
      var data = await api("GET", "/api/agent/compliance");
      if (gen === state.gen) renderCompliance(data);
    } catch (err) { fail(err); }
  }

  function renderCompliance(data) {
    var box = $("compliance-stats"), days = Array.isArray(data.days) ? data.days : [];
    var me = state.agent && state.agent.agent_id;
    box.textContent = "";
    $("compliance-period").textContent = days.length ? "近" + days.length + "天" : "";
    (Array.isArray(data.agents) ? data.agents : []).forEach(function (a) {
      if (a) box.appendChild(V.complianceRow(a, days, a.agent_id === me));
    });
    if (!box.childNodes.length) box.appendChild(el("div", "empty", "暂无提醒"));
  }

  // ---- 留言: messages visitors left while nobody could answer (GET/PUT /api/agent/messages) ----
  var EMPTY_MESSAGES = { unhandled: "暂无未处理的留言", handled: "暂无已处理的留言", all: "暂无留言" };

  async function loadMessages() {
    var gen = state.gen, stamp = ++state.stamps.messages, filter = state.messageFilter;
    try {
      var data = await api("GET", "/api/agent/messages?state=" + encodeURIComponent(filter));
      if (gen !== state.gen || stamp !== state.stamps.messages) return; // a newer one is under way
      state.messages = Array.isArray(data.messages) ? data.messages.filter(Boolean) : [];
      if (typeof data.unhandled === "number") setUnhandled(data.unhandled);
      renderMessages();
    } catch (err) { fail(err); }
  }

  function setUnhandled(n) {
    var badge = $("messages-count");
    badge.textContent = String(n);
    badge.className = "count" + (n > 0 ? " alert" : " zero");
  }

  function renderMessages() {
    var box = $("leave-messages");
    box.textContent = "";
    state.messages.forEach(function (m) {
      box.appendChild(V.leaveMessageRow(m, function (btn) { markMessage(m, btn); }));
    });
    if (!state.messages.length) box.appendChild(el("div", "empty", EMPTY_MESSAGES[state.messageFilter]));
  }

  async function markMessage(m, btn) {
    btn.disabled = true;
    try {
      await api("PUT", "/api/agent/messages/" + encodeURIComponent(m.id), { handled: !m.handled });
      loadMessages(); // messages_changed reloads the other consoles
    } catch (err) {
      btn.disabled = false;
      fail(err);
    }
  }

  function setMessageFilter(filter) {
    state.messageFilter = filter;
    $("messages-filter").querySelectorAll("button").forEach(function (b) {
      var on = b.dataset.state === filter;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    state.messages = [];
    renderMessages();
    loadMessages();
  }

  $("messages-filter").querySelectorAll("button").forEach(function (b) {
    b.addEventListener("click", function () { setMessageFilter(b.dataset.state); });
  });

  // ---- 满意度: ratings per agent and the bot (GET /api/agent/ratings) ----
  async function loadRatings() {
    var gen = state.gen, stamp = ++state.stamps.ratings;
    try {
      var data = await api("GET", "/api/agent/ratings");
      if (gen === state.gen && stamp === state.stamps.ratings) renderRatings(data);
    } catch (err) { fail(err); }
  }

  function renderRatings(data) {
    var box = $("ratings"), me = state.agent && state.agent.agent_id;
    box.textContent = "";
    $("ratings-period").textContent = data.days ? "近" + data.days + "天" : "";
    (Array.isArray(data.agents) ? data.agents : []).forEach(function (a) {
      if (a) box.appendChild(V.ratingRow(a, a.agent_id === me));
    });
    if (!box.childNodes.length) box.appendChild(el("div", "empty", "暂无评价"));
  }

  // ---- canned replies (快捷回复) ----
  async function loadCanned() {
    try {
      var data = await api("GET", "/api/agent/canned");
      state.canned = Array.isArray(data.replies) ? data.replies.filter(Boolean) : [];
    } catch (err) { return fail(err); }
    var select = $("canned");
    while (select.options.length > 1) select.remove(1);
    state.canned.forEach(function (r, i) {
      var opt = select.appendChild(el("option", null, r.title || r.text));
      opt.value = String(i);
    });
  }

  $("canned").addEventListener("change", function () {
    var reply = this.value === "" ? null : state.canned[Number(this.value)];
    this.value = "";
    if (!reply) return;
    $("reply").value = reply.text || "";
    $("reply").focus();
  });

  // ---- hand back / close ----
  async function finish(action, message) {
    var id = state.current;
    if (!id) return;
    try {
      await api("POST", convPath(id, action));
      endConversation(id, message);
      if (action === "close") window.DeskQC.changed(); // its scorecard is stored by now
    } catch (err) {
      if (err.code === "confirm_first" && state.current === id) armClose(null);
      fail(err);
    }
  }

  // 结束会话 first asks the visitor 请问还有什么可以帮您? (confirm-close, sent as the agent's
  // line) and turns into 确认结束; a second click closes. Opening another conversation resets it.
  function armClose(id) {
    state.closeArmed = id;
    var btn = $("close");
    btn.textContent = id ? "确认结束" : "结束会话";
    btn.classList.toggle("armed", !!id);
  }

  async function closeClicked() {
    var id = state.current, btn = $("close");
    if (!id || btn.disabled) return;
    btn.disabled = true;
    try {
      if (state.closeArmed === id) return await finish("close", "会话已结束");
      var data = await api("POST", convPath(id, "confirm-close"));
      if (data.entry) {
        addEntry(id, data.entry, false);
        if (state.current === id) armClose(id);
      } else if (data.held) {
        notice("询问语未能发送,请先询问客户是否还有其他需要", "error");
      }
    } catch (err) {
      fail(err);
    } finally {
      btn.disabled = false;
    }
  }

  $("handback").addEventListener("click", function () { finish("handback", "已转回机器人"); });
  $("close").addEventListener("click", closeClicked);

  // ---- start: reuse a stored token while it is valid ----
  (async function boot() {
    var token = null;
    try { token = sessionStorage.getItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    if (!token) return showLogin("");
    state.token = token;
    try {
      startDesk((await api("GET", "/api/agent/me")).agent);
    } catch (err) {
      if (err.status !== 401) { teardown(); showLogin(err.message); }
    }
  })();
})();
