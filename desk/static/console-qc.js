// Agent console: the 质检 view (docs/compliance.md, 质检评分). Scorecards of a day, filtered by
// agent (supervisors) and failed item; one opened read-only with its failing lines highlighted
// and the items beside it; the filtered list as CSV. console.js starts and stops it with the
// login: DeskQC.start({api, fail, token, expired, agent}), DeskQC.stop().
// Every piece of server text goes through textContent.
window.DeskQC = (function () {
  "use strict";

  var V = window.DeskView, el = V.el;
  var BASE = "/api/agent/qc/scorecards";
  var ctx = null; // what console.js gave start(); null while logged out
  var state = { listing: null, open: null, stamp: 0, items: {} };

  function $(id) { return document.getElementById(id); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Unix seconds -> "HH:MM:SS" in the desk's zone (the one its days are counted in), so the
  // list, the day filter and the CSV agree whatever the browser's zone.
  function clock(ts) {
    var offset = state.listing ? Number(state.listing.utc_offset_hours) || 0 : 0;
    var d = new Date((Number(ts) + offset * 3600) * 1000);
    if (isNaN(d.getTime())) return "";
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  function seconds(s) {
    if (s === null || s === undefined) return "—";
    var n = Number(s);
    return (Math.round(n * 10) / 10) + "秒";
  }
  function shortId(id) { return String(id || "").slice(0, 8); }
  // 100: green; 80 and up: amber; below: red.
  function scoreClass(score) { return "qc-score " + (score >= 100 ? "full" : score >= 80 ? "fair" : "low"); }
  function agentLabel(row) { return (row.agent_name || row.agent_id) + "(" + row.agent_id + ")"; }

  function query() {
    var params = new URLSearchParams();
    if ($("qc-day").value) params.set("day", $("qc-day").value);
    if ($("qc-agent").value) params.set("agent", $("qc-agent").value);
    if ($("qc-failed").value) params.set("failed", $("qc-failed").value);
    var text = params.toString();
    return text ? "?" + text : "";
  }

  // ---- the list ----
  async function load() {
    if (!ctx) return;
    var stamp = ++state.stamp;
    try {
      var data = await ctx.api("GET", BASE + query());
      if (!ctx || stamp !== state.stamp) return; // a newer request is under way
      state.listing = data;
      renderFilters(data);
      renderRows(data);
    } catch (err) { if (ctx) ctx.fail(err); }
  }

  function fillSelect(select, options, value, all) {
    select.textContent = "";
    var first = select.appendChild(el("option", null, all));
    first.value = "";
    options.forEach(function (o) {
      var opt = select.appendChild(el("option", null, o.label));
      opt.value = o.value;
    });
    select.value = value || "";
  }

  function renderFilters(data) {
    $("qc-day").value = data.day || "";
    state.items = {};
    (data.items || []).forEach(function (i) { state.items[i.id] = i.name; });
    fillSelect($("qc-failed"), (data.items || []).map(function (i) {
      return { value: i.id, label: i.name };
    }), data.failed, "全部");
    // Supervisors choose an agent; everyone else sees their own cards only.
    $("qc-agent-filter").hidden = !data.supervisor;
    if (data.supervisor) {
      fillSelect($("qc-agent"), (data.agents || []).map(function (a) {
        return { value: a.agent_id, label: (a.name || a.agent_id) + "(" + a.agent_id + ")" };
      }), data.agent, "全部客服");
    } else {
      fillSelect($("qc-agent"), [], "", "全部客服");
    }
    $("qc-scope").textContent = data.supervisor ? "质检主管:可查看全部客服" : "仅显示本人的质检记录";
  }

  function failedChips(box, failed) {
    if (!failed || !failed.length) {
      box.appendChild(el("span", "qc-chip ok", "全部通过"));
      return;
    }
    failed.forEach(function (id) {
      var chip = box.appendChild(el("span", "qc-chip bad", state.items[id] || id));
      chip.dataset.item = id;
    });
  }

  // Row: tr.qc-row[data-card-id][data-agent-id] > time, conversation, agent, .qc-score, failed chips.
  function renderRows(data) {
    var body = $("qc-rows"), rows = Array.isArray(data.scorecards) ? data.scorecards : [];
    body.textContent = "";
    rows.forEach(function (row) {
      if (!row) return;
      var tr = body.appendChild(el("tr", "qc-row"));
      tr.dataset.cardId = row.id;
      tr.dataset.agentId = row.agent_id;
      tr.tabIndex = 0;
      tr.appendChild(el("td", "qc-time", clock(row.closed_at)));
      var conv = tr.appendChild(el("td", "qc-conv", shortId(row.conversation_id)));
      conv.title = row.conversation_id;
      tr.appendChild(el("td", "qc-agent", agentLabel(row)));
      var scoreCell = tr.appendChild(el("td", "qc-score-cell"));
      scoreCell.appendChild(el("strong", scoreClass(row.score), row.score));
      scoreCell.appendChild(el("span", "qc-passed muted", " " + row.passed + "/" + row.total));
      var times = tr.appendChild(el("td", "qc-times"));
      var late = row.failed || [];
      times.appendChild(el("span", late.indexOf("first_response") >= 0 ? "over" : "", seconds(row.first_response_seconds)));
      times.appendChild(el("span", "muted", " / "));
      times.appendChild(el("span", late.indexOf("longest_silence") >= 0 ? "over" : "", seconds(row.longest_silence_seconds)));
      failedChips(tr.appendChild(el("td")).appendChild(el("div", "qc-failed")), row.failed);
      tr.addEventListener("click", function () { openCard(row.id); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openCard(row.id); });
    });
    var average = rows.length ? Math.round(rows.reduce(function (s, r) { return s + (Number(r.score) || 0); }, 0) / rows.length) : null;
    $("qc-summary").textContent = rows.length ? "共 " + rows.length + " 条 · 平均 " + average + " 分" : "";
    $("qc-empty").hidden = rows.length > 0;
    $("qc-table").hidden = rows.length === 0;
  }

  // ---- one card ----
  async function openCard(id) {
    try {
      var card = await ctx.api("GET", BASE + "/" + encodeURIComponent(id));
      if (!ctx) return;
      state.open = card;
      renderCard(card);
    } catch (err) { if (ctx) ctx.fail(err); }
  }

  // The transcript, read-only: each line a .msg (console-view.js), .qc-failing with
  // .qc-line-tags naming the items it fails; the items beside it: li.qc-item[data-item]
  // (.passed/.failed) > .qc-mark + .qc-item-name + (.qc-figure) + .qc-reason + (.qc-refs of a
  // failed item: button.qc-ref[data-seq] per line, scrolling the transcript to it).
  function renderCard(card) {
    $("qc-list-pane").hidden = true;
    $("qc-detail").hidden = false;
    var title = $("qc-detail-title");
    title.textContent = "";
    title.appendChild(el("strong", scoreClass(card.score), card.score + " 分"));
    title.appendChild(el("span", "qc-passed", "通过 " + card.passed + "/" + card.total));
    title.appendChild(el("span", "muted", agentLabel(card) + " · " + card.day + " " + clock(card.closed_at)));
    var conv = title.appendChild(el("span", "muted qc-conv", "会话 " + shortId(card.conversation_id)));
    conv.title = card.conversation_id;

    var failing = {}; // seq -> names of the items failing there
    (card.items || []).forEach(function (item) {
      if (item.passed) return;
      (item.lines || []).forEach(function (line) {
        (failing[line.seq] = failing[line.seq] || []).push(item.name);
      });
    });
    var box = $("qc-transcript");
    box.textContent = "";
    (card.transcript || []).forEach(function (entry) {
      if (!entry) return;
      var row = V.transcriptLine(entry, null);
      row.dataset.seq = String(entry.seq);
      var time = row.querySelector(".time");
      if (time) time.textContent = clock(entry.ts); // the desk's zone, as the list
      if (entry.forced) row.querySelector(".meta").appendChild(el("span", "qc-forced", "提醒后仍发送"));
      if (failing[entry.seq]) {
        row.classList.add("qc-failing");
        var tags = row.appendChild(el("div", "qc-line-tags"));
        failing[entry.seq].forEach(function (name) { tags.appendChild(el("span", "qc-chip bad", name)); });
      }
      box.appendChild(row);
    });

    var bySeq = {};
    (card.transcript || []).forEach(function (e) { if (e) bySeq[e.seq] = e; });
    var list = $("qc-items");
    list.textContent = "";
    (card.items || []).forEach(function (item) {
      var li = list.appendChild(el("li", "qc-item " + (item.passed ? "passed" : "failed")));
      li.dataset.item = item.id;
      var head = li.appendChild(el("div", "qc-item-head"));
      head.appendChild(el("span", "qc-mark", item.passed ? "✓" : "✗"));
      head.appendChild(el("span", "qc-item-name", item.name));
      if (item.seconds !== null && item.seconds !== undefined && item.limit) {
        head.appendChild(el("span", "qc-figure", seconds(item.seconds) + " / 限 " + seconds(item.limit)));
      }
      li.appendChild(el("div", "qc-reason", item.reason));
      // The lines at fault, as buttons (a passed item's evidence stays in the transcript).
      var refs = item.passed ? [] : (item.lines || []);
      if (refs.length) {
        var links = li.appendChild(el("div", "qc-refs"));
        refs.forEach(function (line) {
          // Named by the line's time and its first words: what the agent sees in the transcript.
          var at = bySeq[line.seq], words = String(line.text || "");
          var label = (at ? clock(at.ts) + " " : "") + (words.length > 10 ? words.slice(0, 10) + "…" : words);
          var link = links.appendChild(el("button", "qc-ref", label));
          link.type = "button";
          link.title = line.text;
          link.dataset.seq = String(line.seq);
          link.addEventListener("click", function () { showLine(line.seq); });
        });
      }
    });
    var firstFailing = (card.transcript || []).filter(function (e) { return e && failing[e.seq]; })[0];
    if (firstFailing) showLine(firstFailing.seq); else box.scrollTop = 0;
  }

  function showLine(seq) {
    var row = $("qc-transcript").querySelector('.msg[data-seq="' + seq + '"]');
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    row.classList.add("qc-flash");
    setTimeout(function () { row.classList.remove("qc-flash"); }, 1200);
  }

  function closeCard() {
    state.open = null;
    $("qc-detail").hidden = true;
    $("qc-list-pane").hidden = false;
  }

  // ---- CSV: the same filters and permissions, downloaded with the login's token ----
  async function exportCsv() {
    if (!ctx) return;
    var button = $("qc-export");
    button.disabled = true;
    try {
      var res = await fetch(BASE + ".csv" + query(), { headers: { Authorization: "Bearer " + ctx.token() } });
      if (res.status === 401) return ctx.expired();
      if (!res.ok) throw new Error("导出失败(" + res.status + ")");
      var blob = await res.blob();
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "质检评分-" + ($("qc-day").value || "today") + ".csv";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    } catch (err) {
      if (ctx) ctx.fail({ message: err.message || "导出失败" });
    } finally {
      button.disabled = false;
    }
  }

  // ---- the tab ----
  function show(which) {
    var qc = which === "qc";
    $("desk-main").hidden = qc;
    $("qc-view").hidden = !qc;
    [["tab-desk", !qc], ["tab-qc", qc]].forEach(function (pair) {
      var tab = $(pair[0]);
      tab.classList.toggle("active", pair[1]);
      tab.setAttribute("aria-selected", pair[1] ? "true" : "false");
    });
    if (qc) { closeCard(); load(); }
  }

  $("tab-desk").addEventListener("click", function () { show("desk"); });
  $("tab-qc").addEventListener("click", function () { show("qc"); });
  ["qc-day", "qc-agent", "qc-failed"].forEach(function (id) {
    $(id).addEventListener("change", function () { closeCard(); load(); });
  });
  $("qc-refresh").addEventListener("click", function () { closeCard(); load(); });
  $("qc-back").addEventListener("click", closeCard);
  $("qc-export").addEventListener("click", exportCsv);

  return {
    start: function (context) {
      ctx = context;
      state = { listing: null, open: null, stamp: 0, items: {} };
      $("qc-day").value = "";
      show("desk");
    },
    stop: function () {
      ctx = null;
      state.stamp += 1;
      $("qc-rows").textContent = "";
      $("qc-transcript").textContent = "";
      $("qc-items").textContent = "";
      show("desk");
    },
    // A conversation this agent closed: its card is there now, if the view is showing.
    changed: function () { if (ctx && !$("qc-view").hidden && !state.open) load(); },
  };
})();
