// Visitor chat page (served at /chat). Protocol: docs/desk.md, namespace "/".
// All server and visitor text is inserted with textContent only.
(function () {
  "use strict";

  var SESSION_KEY = "desk_session_id";
  // A long random id this browser keeps across chats: the verification limits count by it
  // (docs/security.md), so opening a new chat gives no fresh checks.
  var BROWSER_KEY = "desk_browser_id";
  // The desk's own button under its queue lines (desk/waiting.py): it stays usable while the
  // visitor chats with the bot during the wait, until the desk's next system line (accepted,
  // left the queue, a newer position with its own button).
  var LEAVE_QUEUE = "/leave_queue";
  var lastSeq = -1;  // seq of the newest transcript line shown

  var messagesEl = document.getElementById("messages");
  var inputEl = document.getElementById("input");
  var formEl = document.getElementById("composer");
  var statusEl = document.getElementById("status");

  // The session is usable once history has arrived after session_confirm.
  var ready = false;
  // Visitor lines typed while not ready: [{message, display}], sent after history.
  var pending = [];

  // ---- storage (private browsing may forbid localStorage) ----
  function loadSession() {
    try { return localStorage.getItem(SESSION_KEY); } catch (e) { return null; }
  }
  function saveSession(token) {
    try { localStorage.setItem(SESSION_KEY, token); } catch (e) { /* ignore */ }
  }
  function browserId() {
    var id = null;
    try { id = localStorage.getItem(BROWSER_KEY); } catch (e) { /* ignore */ }
    if (id && /^[A-Za-z0-9_-]{22,128}$/.test(id)) return id;
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    id = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    try { localStorage.setItem(BROWSER_KEY, id); } catch (e) { /* ignore */ }
    return id;
  }

  // ---- rendering ----
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function nearBottom() {
    return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 80;
  }
  function scrollToBottom() {
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  // One transcript line: .msg[data-from] > (.label) + .text (+ .quick-replies)
  function renderMessage(from, text, label) {
    var from_ = ["visitor", "bot", "agent", "system"].indexOf(from) >= 0 ? from : "bot";
    var row = el("div", "msg msg-" + from_);
    row.setAttribute("data-from", from_);
    if (label) row.appendChild(el("div", "label", label));
    row.appendChild(el("div", "text", text));
    return row;
  }

  function agentLabel(name) {
    return name ? "客服 " + name : "客服";
  }

  function labelFor(from, agentName) {
    if (from === "agent") return agentLabel(agentName);
    return null;
  }

  // Buttons under a bot line; clicking sends the payload and shows the title.
  function renderQuickReplies(row, replies, enabled) {
    var box = el("div", "quick-replies");
    replies.forEach(function (reply) {
      if (!reply) return;
      var title = reply.title != null ? String(reply.title) : String(reply.payload || "");
      var payload = reply.payload != null ? String(reply.payload) : title;
      var btn = el("button", "quick-reply", title);
      btn.type = "button";
      btn.setAttribute("data-payload", payload);
      btn.disabled = !enabled;
      btn.addEventListener("click", function () {
        if (btn.disabled) return;
        box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        btn.classList.add("chosen");
        send(payload, title);
      });
      box.appendChild(btn);
    });
    if (box.childNodes.length) row.appendChild(box);
  }

  function append(row) {
    var stick = nearBottom();
    messagesEl.appendChild(row);
    if (stick || row.getAttribute("data-from") === "visitor") scrollToBottom();
  }

  // Small notice inside the list (errors from the server); not a .msg.
  function appendNotice(text, kind) {
    var stick = nearBottom();
    var note = el("div", "notice" + (kind ? " " + kind : ""), text);
    note.setAttribute("role", "alert");
    messagesEl.appendChild(note);
    if (stick) scrollToBottom();
  }

  function leavesQueue(buttons) {
    return buttons.some(function (b) { return b && b.payload === LEAVE_QUEUE; });
  }

  // A new system line ends what an earlier queue line offered.
  function retireLeaveQueueButtons() {
    messagesEl.querySelectorAll("button.quick-reply").forEach(function (b) {
      if (b.getAttribute("data-payload") === LEAVE_QUEUE) b.disabled = true;
    });
  }

  // Replaces the list with the server's transcript (Entry list).
  function renderHistory(entries) {
    messagesEl.textContent = "";
    if (!Array.isArray(entries)) entries = [];
    // Buttons stay clickable only after the visitor's last line; 退出排队 after the last
    // system line (the visitor may have chatted with the bot while queued).
    var lastVisitor = -1, lastSystem = -1;
    entries.forEach(function (e, i) {
      if (e && e.from === "visitor") lastVisitor = i;
      if (e && e.from === "system") lastSystem = i;
    });
    // A clicked button is stored as its payload: show its title again.
    var titles = {};
    entries.forEach(function (entry, i) {
      if (!entry) return;
      var text = entry.text == null ? "" : String(entry.text);
      if (entry.from === "visitor" && Object.prototype.hasOwnProperty.call(titles, text)) {
        text = titles[text];
      }
      var row = renderMessage(entry.from, text, labelFor(entry.from, entry.agent_name));
      if (Array.isArray(entry.buttons) && entry.buttons.length) {
        entry.buttons.forEach(function (b) {
          if (b && b.payload != null && b.title != null) titles[String(b.payload)] = String(b.title);
        });
        var open = entry.from === "system" && leavesQueue(entry.buttons) ? i === lastSystem : i > lastVisitor;
        if (open) renderQuickReplies(row, entry.buttons, true);
      }
      messagesEl.appendChild(row);
    });
    scrollToBottom();
  }

  function showStatus(text) {
    statusEl.textContent = text;
    statusEl.hidden = false;
  }
  function hideStatus() {
    statusEl.hidden = true;
    statusEl.textContent = "";
  }

  // ---- socket ----
  var socket = io({ path: "/socket.io/", transports: ["websocket"] });

  socket.on("connect", function () {
    hideStatus();
    ready = false;
    socket.emit("session_request", { session_id: loadSession(), browser_id: browserId() });
  });

  socket.on("disconnect", function (reason) {
    ready = false;
    showStatus("连接已断开,正在重新连接…");
    // A server-side disconnect is not retried by the client itself.
    if (reason === "io server disconnect") socket.connect();
  });

  socket.on("connect_error", function () {
    ready = false;
    showStatus("连接已断开,正在重新连接…");
    if (!socket.active) setTimeout(function () { socket.connect(); }, 3000);
  });

  socket.on("session_confirm", function (token) {
    if (typeof token === "string" && token) saveSession(token);
    else if (token && typeof token.session_id === "string") saveSession(token.session_id);
  });

  socket.on("history", function (data) {
    var messages = (data && data.messages) || [];
    lastSeq = messages.length ? messages[messages.length - 1].seq : -1;
    renderHistory(messages);
    ready = true;
    // Send what the visitor typed while the connection was not ready.
    var queued = pending;
    pending = [];
    queued.forEach(function (item) {
      append(renderMessage("visitor", item.display));
      socket.emit("user_uttered", { message: item.message, session_id: loadSession() });
    });
  });

  socket.on("bot_uttered", function (data) {
    if (!data) return;
    var meta = data.metadata || {};
    // A line stored while the page was reconnecting comes in the history and live: show it once.
    if (typeof meta.seq === "number") {
      if (meta.seq <= lastSeq) return;
      lastSeq = meta.seq;
    }
    var sender = meta.sender === "agent" || meta.sender === "system" ? meta.sender : "bot";
    var text = data.text == null ? "" : String(data.text);
    var row = renderMessage(sender, text, labelFor(sender, meta.agent_name));
    if (sender === "system") retireLeaveQueueButtons();
    if (Array.isArray(data.quick_replies) && data.quick_replies.length) {
      renderQuickReplies(row, data.quick_replies, true);
    }
    append(row);
  });

  socket.on("error", function (data) {
    var message = data && data.message ? String(data.message) : "发送失败,请稍后再试。";
    appendNotice(message, "error");
  });

  // ---- sending ----
  // message: what the server gets; display: what the visitor sees (title of a button).
  function send(message, display) {
    if (display === undefined) display = message;
    if (ready && socket.connected) {
      append(renderMessage("visitor", display));
      socket.emit("user_uttered", { message: message, session_id: loadSession() });
    } else {
      // Shown after the history arrives (which replaces the list).
      pending.push({ message: message, display: display });
      append(renderMessage("visitor", display));
    }
  }

  function sendTyped() {
    var text = inputEl.value;
    if (!text.trim()) return;
    send(text);  // the desk checks the length and answers with its own wording
    inputEl.value = "";
    autosize();
    inputEl.focus();
  }

  formEl.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sendTyped();
  });

  // Enter sends, Shift+Enter is a newline; Enter that ends an IME composition does not send.
  inputEl.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.shiftKey) return;
    if (ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    sendTyped();
  });

  // Grow the textarea with its content, up to a few lines.
  function autosize() {
    inputEl.style.height = "auto";
    inputEl.style.height = Math.min(inputEl.scrollHeight, 140) + "px";
  }
  inputEl.addEventListener("input", autosize);

})();
