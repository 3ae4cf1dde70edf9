// Agent console: DOM builders and formatting (no state, no network). Used by console.js.
// Every piece of server text goes through textContent.
window.DeskView = (function () {
  "use strict";

  var LABELS = {
    person_name: "姓名", phone: "电话", account_number: "账号", account: "账号",
    last_visitor_message: "访客最后一句", visitor_messages: "访客消息数", intents: "意图",
    complaint_description: "投诉内容",
  };
  var FROM_LABELS = { visitor: "访客", bot: "机器人", agent: "客服", system: "系统" };
  var METHOD_LABELS = { name: "核对姓名", phone_last4: "核对手机尾号", address: "核对地址" };
  // What the visitor said (the ticket's slots; for used-up checks, the 户号 last given): never
  // checked, and a later message overwrites it. Only 已验证 + its account is a checked fact.
  var STATED_LABEL = "访客自述,未核实";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmtTime(ts) { // Unix seconds -> hh:mm:ss (local time)
    var d = new Date(Number(ts) * 1000);
    return isNaN(d.getTime()) ? "" : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }
  function fmtDateTime(ts) { // Unix seconds -> hh:mm today, else MM-DD hh:mm (local time)
    var d = new Date(Number(ts) * 1000);
    if (isNaN(d.getTime())) return "";
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    return sameDay(d, new Date()) ? hm : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
  }
  function fmtDuration(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return s + "秒";
    if (s < 3600) return Math.floor(s / 60) + "分" + pad(s % 60) + "秒";
    return Math.floor(s / 3600) + "小时" + pad(Math.floor((s % 3600) / 60)) + "分";
  }
  function fmtValue(v) {
    if (Array.isArray(v)) return v.map(fmtValue).join("、");
    return v && typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  function isEmpty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
  }
  // Every reason the visitor gave (a complaint added while waiting, say), in Chinese.
  function reasonOf(t, fallback) {
    if (t && Array.isArray(t.reason_labels) && t.reason_labels.length) return t.reason_labels.join("、");
    return (t && (t.reason_label || t.reason)) || fallback;
  }
  // The visitor closed their last chat page (.left-label 访客已离开).
  function leftLabel(head, left) {
    if (left) head.appendChild(el("span", "left-label", "访客已离开"));
  }

  // Plain summary fields as {key, label, value}, the visitor's last message first.
  function summaryLines(summary) {
    if (!summary || typeof summary !== "object") return [];
    var first = "last_visitor_message";
    return Object.keys(summary)
      .sort(function (a, b) { return (b === first) - (a === first); })
      .filter(function (k) {
        var v = summary[k];
        return !isEmpty(v) && (Array.isArray(v) || typeof v !== "object");
      })
      .map(function (k) { return { key: k, label: LABELS[k] || k, value: fmtValue(summary[k]) }; });
  }

  // Queue row: .ticket[data-conversation-id] > .row-head(.reason .waiting) + .summary* + button.accept
  function ticketRow(t, waitingText, onAccept) {
    var row = el("div", "ticket"), head = row.appendChild(el("div", "row-head"));
    row.dataset.conversationId = t.conversation_id;
    head.appendChild(el("span", "reason", reasonOf(t, "转人工")));
    leftLabel(head, t.visitor_left);
    var waiting = head.appendChild(el("span", "waiting", waitingText));
    summaryLines(t.summary).forEach(function (line) {
      var cls = line.key === "last_visitor_message" ? "summary last-message" : "summary";
      row.appendChild(el("div", cls, line.label + ":" + line.value));
    });
    var btn = row.appendChild(el("button", "btn primary accept", "接入"));
    btn.type = "button";
    btn.addEventListener("click", function () { onAccept(btn); });
    return { row: row, waiting: waiting };
  }

  // My conversations row: .conversation[data-conversation-id] (.active, .unread, .waiting-long:
  // the visitor has waited too long for an answer, with the label .waiting-label 客户等待中)
  function conversationRow(id, view, unread, active, onOpen, waitingLong) {
    var row = el("div", "conversation" + (active ? " active" : "") + (unread ? " unread" : "") +
      (waitingLong ? " waiting-long" : ""));
    var head = row.appendChild(el("div", "row-head"));
    row.dataset.conversationId = id;
    head.appendChild(el("span", "reason", reasonOf(view.ticket, "会话")));
    if (waitingLong) head.appendChild(el("span", "waiting-label", "客户等待中"));
    leftLabel(head, view.visitor_left);
    if (unread) head.appendChild(el("span", "unread-count", unread));
    var lines = view.transcript || [], last = lines[lines.length - 1];
    if (last) row.appendChild(el("div", "summary", (FROM_LABELS[last.from] || "") + ":" + (last.text || "")));
    row.addEventListener("click", onOpen);
    return row;
  }

  // Fills #ticket-info: reason, the verification (prominent), what the visitor said and the
  // summary as key/value. A verified account shows "已验证" + the account (.ticket-account.verified);
  // used-up checks "核验次数已用尽" + the 户号 last given (.stated-label 访客自述,未核实). The slots are
  // in .stated (.stated-title 访客自述,未核实 + dl.kv); the summary in its own dl.kv.
  function fillTicketInfo(box, t, visitorLeft) {
    box.textContent = "";
    var head = box.appendChild(el("div", "row-head"));
    head.appendChild(el("span", "reason", reasonOf(t, "人工会话")));
    leftLabel(head, visitorLeft);
    if (!t) return;
    if (t.queued_at) head.appendChild(el("span", "muted", "排队于 " + fmtTime(t.queued_at)));
    var slots = t.slots && typeof t.slots === "object" ? t.slots : {}, verified = t.verified;
    var check = t.verification && typeof t.verification === "object" ? t.verification : {};
    var status = check.status === "exhausted" ? "exhausted"
      : check.status === "verified" || verified ? "verified" : null;
    // The verified account is the check's, never a slot: the visitor may have typed another since.
    var account = status === "verified" ? (typeof verified === "string" && verified ? verified
      : check.account_number || null) : status === "exhausted" ? check.account_number || null : null;
    if (status) {
      var acc = box.appendChild(el("div", "ticket-account " + status));
      acc.appendChild(el("strong", "check-status", status === "verified" ? "已验证" : "核验次数已用尽"));
      if (account && status === "exhausted") acc.appendChild(el("span", "label", LABELS.account_number));
      if (account) acc.appendChild(el("strong", "account", fmtValue(account)));
      if (account && status === "exhausted") acc.appendChild(el("span", "label stated-label", STATED_LABEL));
      if (status === "verified" && METHOD_LABELS[check.method]) acc.appendChild(el("span", "label", METHOD_LABELS[check.method]));
    }
    var stated = el("dl", "kv");
    Object.keys(slots).forEach(function (key) {
      if (isEmpty(slots[key]) || (account && slots[key] === account)) return; // shown above
      stated.appendChild(el("dt", null, LABELS[key] || key));
      stated.appendChild(el("dd", null, fmtValue(slots[key])));
    });
    if (stated.childNodes.length) {
      var section = box.appendChild(el("div", "stated"));
      section.appendChild(el("div", "stated-title muted", STATED_LABEL));
      section.appendChild(stated);
    }
    var dl = el("dl", "kv");
    summaryLines(t.summary).forEach(function (line) {
      dl.appendChild(el("dt", null, line.label));
      dl.appendChild(el("dd", null, line.value));
    });
    if (dl.childNodes.length) box.appendChild(dl);
  }

  // Transcript line: .msg[data-from] (.left visitor / .right others) > .meta(.who .time) + .text (+ .buttons).
  // `title`: a visitor line that is a button's payload shows the button's title (.chosen), the
  // payload as its tooltip.
  function transcriptLine(e, title) {
    var from = FROM_LABELS[e.from] ? e.from : "system";
    var row = el("div", "msg msg-" + from + (from === "visitor" ? " left" : " right"));
    row.dataset.from = from;
    var meta = row.appendChild(el("div", "meta"));
    meta.appendChild(el("span", "who", from === "agent" && e.agent_name ? "客服 " + e.agent_name : FROM_LABELS[from]));
    if (e.ts) meta.appendChild(el("span", "time", fmtTime(e.ts)));
    var text = row.appendChild(el("div", "text", title != null ? title : e.text == null ? "" : e.text));
    if (title != null) { text.classList.add("chosen"); text.title = e.text == null ? "" : String(e.text); }
    if (Array.isArray(e.buttons) && e.buttons.length) {
      var btns = row.appendChild(el("div", "buttons"));
      e.buttons.forEach(function (b) { if (b) btns.appendChild(el("span", "chip", b.title || b.payload)); });
    }
    return row;
  }

  // A held reply's violation: li.violation[data-rule][data-source] > .head (.category, the
  // Chinese category as a tag; .matched and the rule's name for a rule, 模型识别 for the
  // learned checker; .seed) + .why ("原因:" the matched words, with the learned checker's
  // confidence for a context-dependent rule; or the learned checker's strongest features
  // (.feature) and its confidence) + .suggestion ("建议:" and the wording
  // to use instead). A desk that sends no `why` gets no reason line.
  function violationItem(v) {
    var learned = v.source === "classifier";
    var li = el("li", "violation" + (learned ? " learned" : ""));
    li.dataset.rule = v.rule || "";
    li.dataset.source = learned ? "classifier" : "rule";
    var head = li.appendChild(el("div", "head"));
    head.appendChild(el("span", "category", v.category));
    if (!learned) head.appendChild(el("span", "matched", "「" + (v.matched || "") + "」"));
    head.appendChild(el("span", "rule", learned ? "模型识别" : v.name || v.rule));
    if (v.seed) head.appendChild(el("span", "seed", "依据规范 " + v.seed));
    var why = v.why && typeof v.why === "object" ? v.why : null;
    if (why) {
      var reason = li.appendChild(el("div", "why"));
      reason.appendChild(el("span", "label", "原因:"));
      if (learned) {
        reason.appendChild(el("span", "", "与这些说法最相关"));
        (Array.isArray(why.features) ? why.features : []).forEach(function (f) {
          if (f && f.text) reason.appendChild(el("span", "feature", f.text));
        });
        var sure = Math.round((Number(why.confidence) || 0) * 100);
        reason.appendChild(el("span", "confidence", "模型把握 " + sure + "%"));
      } else {
        reason.appendChild(el("span", "", "用了「" + (why.span || v.matched || "") + "」"));
        // a context-dependent rule holds the line only with the learned checker's agreement
        if (typeof why.confidence === "number") {
          var agreed = Math.round(why.confidence * 100);
          reason.appendChild(el("span", "confidence", "模型把握 " + agreed + "%"));
        }
      }
    }
    var suggestion = li.appendChild(el("div", "suggestion"));
    suggestion.appendChild(el("span", "label", "建议:"));
    suggestion.appendChild(document.createTextNode(v.suggestion || ""));
    return li;
  }

  function total(list) {
    return (Array.isArray(list) ? list : []).reduce(function (s, n) { return s + (Number(n) || 0); }, 0);
  }

  // One agent in the 话术提醒 panel: .agent-stats[data-agent-id] (.self) > .row-head(.name
  // .totals "提醒 n · 仍发送 m") + .bars > .bar per day (height: warnings; .forced if any sent anyway).
  function complianceRow(a, days, self) {
    var row = el("div", "agent-stats" + (self ? " self" : ""));
    row.dataset.agentId = a.agent_id;
    var head = row.appendChild(el("div", "row-head"));
    head.appendChild(el("span", "name", (a.name || a.agent_id) + (self ? "(我)" : "")));
    head.appendChild(el("span", "totals", "提醒 " + total(a.warnings) + " · 仍发送 " + total(a.forced)));
    var bars = row.appendChild(el("div", "bars"));
    var warnings = a.warnings || [], forced = a.forced || [];
    var most = Math.max.apply(null, [1].concat(warnings));
    (days || []).forEach(function (day, i) {
      var w = Number(warnings[i]) || 0, f = Number(forced[i]) || 0;
      var bar = bars.appendChild(el("span", "bar" + (f ? " forced" : "") + (w ? "" : " zero")));
      bar.style.height = Math.max(2, Math.round((w / most) * 24)) + "px";
      bar.title = day + ":提醒 " + w + ",仍发送 " + f;
    });
    return row;
  }

  // One 留言: .leave-message[data-message-id] (.handled) > .row-head(.name .time) + .phone +
  // .message-text + .reply-time + (.handled-info) + button.mark (标记已处理 / 标为未处理).
  // Everything the visitor typed is text only.
  function leaveMessageRow(m, onToggle) {
    var row = el("div", "leave-message" + (m.handled ? " handled" : ""));
    row.dataset.messageId = m.id;
    var head = row.appendChild(el("div", "row-head"));
    head.appendChild(el("span", "name", m.name || "访客"));
    if (m.kind === "complaint") head.appendChild(el("span", "reason", "投诉"));
    var time = head.appendChild(el("span", "time", fmtDateTime(m.created_at)));
    time.title = "留言时间";
    row.appendChild(el("div", "phone", m.phone || ""));
    row.appendChild(el("div", "message-text", m.message || ""));
    if (m.reply_time) row.appendChild(el("div", "reply-time", "承诺回复:" + m.reply_time));
    if (m.handled) {
      var by = m.handled_by ? "工号 " + m.handled_by : "";
      var at = m.handled_at ? fmtDateTime(m.handled_at) : "";
      row.appendChild(el("div", "handled-info", ["已处理", by, at].filter(Boolean).join(" · ")));
    }
    var btn = row.appendChild(el("button", "btn mark", m.handled ? "标为未处理" : "标记已处理"));
    btn.type = "button";
    btn.addEventListener("click", function () { onToggle(btn); });
    return row;
  }

  var SCORE_LABELS = { 5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意" };

  // One agent (or the bot) in the 满意度 panel: .rating-stats[data-agent-id] (.self) >
  // .row-head(.name, .summary-figures > .average "4.50" + .rating-count "共 n 条") + .scores > .score[data-score]
  // "5分 n" (best first) + .comments > .comment(.comment-score .comment-text .time), newest first.
  function ratingRow(a, self, maxComments) {
    var row = el("div", "rating-stats" + (self ? " self" : ""));
    row.dataset.agentId = a.agent_id;
    var head = row.appendChild(el("div", "row-head"));
    head.appendChild(el("span", "name", (a.name || a.agent_id) + (self ? "(我)" : "")));
    var figures = head.appendChild(el("span", "summary-figures"));
    var average = Number(a.average), count = Number(a.count) || 0;
    var avg = figures.appendChild(el("span", "average", count && isFinite(average) ? average.toFixed(2) : "-"));
    avg.title = "平均分(满分 5)";
    figures.appendChild(el("span", "rating-count", "共 " + count + " 条"));
    var scores = row.appendChild(el("div", "scores")), by = a.scores || {};
    [5, 4, 3, 2, 1].forEach(function (s) {
      var n = Number(by[String(s)]) || 0;
      var chip = scores.appendChild(el("span", "score" + (n ? "" : " zero"), s + "分 " + n));
      chip.dataset.score = String(s);
      chip.title = SCORE_LABELS[s] + ":" + n;
    });
    var comments = (Array.isArray(a.comments) ? a.comments : []).filter(Boolean).slice(0, maxComments || 3);
    if (comments.length) {
      var list = row.appendChild(el("ul", "comments"));
      comments.forEach(function (c) {
        var li = list.appendChild(el("li", "comment"));
        li.appendChild(el("span", "comment-score", c.score + "分"));
        li.appendChild(el("span", "comment-text", c.comment || ""));
        if (c.ts) li.appendChild(el("span", "time", fmtDateTime(c.ts)));
      });
    }
    return row;
  }

  return {
    el: el, fmtDuration: fmtDuration,
    leaveMessageRow: leaveMessageRow, ratingRow: ratingRow,
    ticketRow: ticketRow, conversationRow: conversationRow,
    fillTicketInfo: fillTicketInfo, transcriptLine: transcriptLine,
    violationItem: violationItem, complianceRow: complianceRow,
  };
})();
