// Doctor console: sign in, the queues, a case's summary, and the live call (the browser's
// own WebRTC). The hub relays the spoke's offers on the console socket; each offer gets a
// fresh RTCPeerConnection (a reconnect is a new offer on the same call), answered once ICE
// gathering is complete. The DOM ids and window.consoleStats() are the contract in
// docs/call.md. Everything shown is put in with textContent: nothing from a case is HTML.
"use strict";

(function () {
  const API = "/console/api";
  const GATHER_CAP_MS = 3000;
  const RECONNECT_MS = 2000;
  const $ = (id) => document.getElementById(id);

  const SPECIALTIES = {
    general_medicine: "General medicine",
    paediatrics: "Paediatrics",
    obstetrics_gynaecology: "Obstetrics & gynaecology",
    dermatology: "Dermatology",
    ent: "ENT",
    ophthalmology: "Ophthalmology",
    psychiatry: "Psychiatry",
    orthopaedics: "Orthopaedics",
    dental: "Dental",
  };
  const SEX = { female: "F", male: "M", other: "Other" };
  const FLAG_WORDS = {
    low: "low",
    high: "high",
    "critical-low": "very low",
    "critical-high": "very high",
  };
  const END_WORDS = {
    finished: "You ended the call.",
    "hung-up": "The centre ended the call.",
    dropped: "The call dropped and did not come back; the case is back in the queue.",
    "left-queue": "The centre left the queue.",
  };
  const STATE_WORDS = {
    idle: "No call",
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    ended: "Call ended",
  };

  const ui = {
    me: null,
    ws: null,
    wsWanted: false,
    iceServers: [],
    selected: null, // case id shown in the summary
    call: null, // {case_id, call_id}
    attempt: 0,
    pc: null,
    local: null, // MediaStream
    localReady: null, // Promise<MediaStream|null>
    offers: Promise.resolve(),
    state: "idle",
    queue: { live: [], review: [] },
  };

  // ---- small helpers ----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const reply = await fetch(API + path, opts);
    let body = null;
    try {
      body = await reply.json();
    } catch (e) {
      body = null;
    }
    if (!reply.ok) {
      const message = body && body.error ? body.error.message : "The hub refused (" + reply.status + ").";
      const err = new Error(message);
      err.status = reply.status;
      throw err;
    }
    return body;
  }

  function since(iso) {
    const started = Date.parse(iso);
    if (Number.isNaN(started)) return "";
    const minutes = Math.max(0, Math.round((Date.now() - started) / 60000));
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    return hours + " h " + (minutes % 60) + " min";
  }

  function specialtyName(code) {
    return SPECIALTIES[code] || (code ? code.replace(/_/g, " ") : "Any specialty");
  }

  // ---- sign in ----------------------------------------------------------------------------

  function showLogin(message) {
    ui.me = null;
    ui.wsWanted = false;
    if (ui.ws) ui.ws.close();
    $("login-view").hidden = false;
    $("desk-view").hidden = true;
    $("whoami").hidden = true;
    const error = $("login-error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  async function showDesk(me) {
    ui.me = me;
    $("login-view").hidden = true;
    $("desk-view").hidden = false;
    $("whoami").hidden = false;
    $("doctor-name").textContent = me.name;
    $("doctor-registration").textContent = "Reg. " + me.registration;
    try {
      ui.iceServers = (await api("/config")).ice_servers || [];
    } catch (e) {
      ui.iceServers = [];
    }
    openSocket();
    try {
      renderQueue(await api("/queue"));
    } catch (e) {
      /* the socket brings the queue too */
    }
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-submit").disabled = true;
    try {
      const me = await api("/login", {
        method: "POST",
        json: { username: $("login-username").value, password: $("login-password").value },
      });
      $("login-password").value = "";
      $("login-error").hidden = true;
      await showDesk(me);
    } catch (e) {
      showLogin(e.message);
    } finally {
      $("login-submit").disabled = false;
    }
  });

  $("btn-logout").addEventListener("click", async () => {
    if (ui.call) sendEnd();
    try {
      await api("/logout", { method: "POST" });
    } catch (e) {
      /* signed out either way */
    }
    endMedia();
    showLogin("");
  });

  // ---- the console socket -----------------------------------------------------------------

  function openSocket() {
    ui.wsWanted = true;
    if (ui.ws && ui.ws.readyState <= 1) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/console/ws");
    ui.ws = ws;
    ws.onopen = () => {
      $("socket-state").textContent = "Connected to the hub.";
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handle(msg);
    };
    ws.onclose = (event) => {
      if (ui.ws !== ws) return;
      ui.ws = null;
      if (event.code === 4401) {
        showLogin("Your session has ended. Please sign in again.");
        return;
      }
      if (event.code === 4410) {
        ui.wsWanted = false;
        $("socket-state").textContent =
          "This console was opened in another window; this one no longer receives calls.";
        return;
      }
      $("socket-state").textContent = "Lost the hub connection; trying again…";
      if (ui.wsWanted) setTimeout(openSocket, RECONNECT_MS);
    };
  }

  function send(message) {
    if (ui.ws && ui.ws.readyState === WebSocket.OPEN) {
      ui.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function handle(msg) {
    switch (msg.type) {
      case "queue":
        renderQueue(msg);
        break;
      case "accepted":
        onAccepted(msg);
        break;
      case "offer":
        if (ui.call && msg.call_id === ui.call.call_id) {
          ui.offers = ui.offers.then(() => answerOffer(msg)).catch((e) => {
            setState("reconnecting", "Could not answer the centre's call: " + e.message);
          });
        }
        break;
      case "peer-away":
        if (ui.call && msg.call_id === ui.call.call_id) {
          setState("reconnecting", "The centre's connection dropped; waiting for it to come back…");
        }
        break;
      case "link":
        if (ui.call && msg.case_id === ui.call.case_id) {
          $("call-link").textContent = "Centre's link: " + msg.quality;
        }
        break;
      case "ended":
        if (ui.call && msg.call_id === ui.call.call_id) onEnded(msg);
        break;
      case "error":
        $("socket-state").textContent = msg.message;
        break;
      default:
        break;
    }
  }

  // ---- queues -----------------------------------------------------------------------------

  function renderQueue(queue) {
    ui.queue = queue;
    fillQueue($("queue-live"), queue.live || [], true);
    fillQueue($("queue-review"), queue.review || [], false);
  }

  function fillQueue(box, items, live) {
    box.replaceChildren();
    if (!items.length) {
      box.append(el("p", { class: "muted", text: live ? "No one is waiting." : "Nothing to review." }));
      return;
    }
    const groups = new Map();
    for (const item of items) {
      const key = item.specialty || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(item);
    }
    for (const [specialty, group] of groups) {
      box.append(el("div", { class: "specialty", text: specialtyName(specialty) }));
      for (const item of group) box.append(queueItem(item, live));
    }
  }

  function queueItem(item, live) {
    const who = el("div", {},
      el("div", { class: "who", text: item.patient_name }),
      el("div", { class: "meta",
        text: [item.age, SEX[item.sex] || item.sex, item.facility_name || item.facility]
          .filter(Boolean).join(" · ") }),
      el("div", { class: "meta", text: (live ? "Waiting " : "Sent ") + since(item.waiting_since) }));
    const side = el("div", {});
    if (live) {
      side.append(el("span", {
        class: "badge" + (item.spoke_online ? " online" : ""),
        text: item.spoke_online ? "centre connected" : "centre not connected",
      }));
      if (item.spoke_online) {
        const button = el("button", { type: "button", class: "accept", "data-case-id": item.case_id,
          text: "Accept" });
        button.disabled = Boolean(ui.call);
        button.addEventListener("click", (event) => {
          event.stopPropagation();
          accept(item.case_id);
        });
        side.append(" ", button);
      }
    }
    const row = el("div", {
      class: "queue-item" + (live && !item.spoke_online ? " offline" : "") +
        (ui.selected === item.case_id ? " selected" : ""),
      "data-case-id": item.case_id,
    }, who, side);
    row.addEventListener("click", () => showCase(item.case_id));
    return row;
  }

  // ---- case summary and notes -------------------------------------------------------------

  async function showCase(caseId) {
    ui.selected = caseId;
    renderQueue(ui.queue);
    const box = $("case-summary");
    try {
      const summary = await api("/cases/" + encodeURIComponent(caseId));
      if (ui.selected !== caseId) return;
      renderSummary(summary);
    } catch (e) {
      box.replaceChildren(el("p", { class: "error", text: e.message }));
      $("notes-panel").hidden = true;
    }
  }

  function renderSummary(s) {
    const box = $("case-summary");
    box.setAttribute("data-case-id", s.case_id);
    const p = s.patient;
    const facts = el("dl", {});
    const fact = (label, value) => {
      if (value === null || value === undefined || value === "") return;
      facts.append(el("dt", { text: label }), el("dd", { text: value }));
    };
    fact("Age / sex", [p.age, SEX[p.sex] || p.sex].filter(Boolean).join(" / "));
    fact("Centre", s.facility_name + " (" + s.facility + ")");
    fact("Specialty", specialtyName(s.specialty));
    fact("Village", p.village);
    fact("Address", p.address);
    fact("Mobile", p.mobile);
    fact("ABHA number", p.abha_number);
    fact("ABHA address", p.abha_address);
    if (p.guardian_name) fact("Guardian", p.guardian_name + (p.guardian_relation ? " (" + p.guardian_relation + ")" : ""));
    fact("Patient id", p.id);
    fact("Case id", s.case_id);

    const vitals = el("table", { class: "vitals" });
    for (const v of s.vitals) {
      const flag = v.flag ? FLAG_WORDS[v.flag] || v.flag : "";
      vitals.append(el("tr", { class: v.flag ? "flag-" + v.flag : "", "data-vital": v.kind },
        el("td", { text: v.label }),
        el("td", { text: formatNumber(v.value) + " " + v.unit }),
        el("td", { class: "flag-text", text: flag }),
        el("td", { class: "muted small", text: "normal " + formatNumber(v.ref_low) + "–" + formatNumber(v.ref_high) })));
    }

    const complaints = el("ul", {});
    for (const c of s.complaints) {
      const bits = [c.duration_days != null ? c.duration_days + " days" : null, c.severity, c.note]
        .filter(Boolean).join(", ");
      complaints.append(el("li", {}, el("strong", { text: c.name }), bits ? " – " + bits : ""));
    }

    const history = el("dl", {});
    if (s.history) {
      const h = s.history;
      const item = (label, value) => history.append(el("dt", { text: label }), el("dd", { text: value || "—" }));
      item("Conditions", h.conditions.join(", "));
      item("Pregnant", h.pregnant ? "Yes" + (h.lmp ? ", LMP " + h.lmp : "") : "No");
      item("Allergies", h.allergies);
      item("Medicines", h.medicines);
    }

    const media = el("div", { class: "media" });
    for (const a of s.attachments) media.append(attachment(a));

    box.replaceChildren(
      el("h2", { text: p.name }), facts,
      el("h3", { text: "Vitals" }), s.vitals.length ? vitals : el("p", { class: "muted", text: "None recorded." }),
      el("h3", { text: "Complaints" }), s.complaints.length ? complaints : el("p", { class: "muted", text: "None recorded." }),
      el("h3", { text: "History" }), s.history ? history : el("p", { class: "muted", text: "None recorded." }),
      el("h3", { text: "Photos, audio notes and clips" }),
      s.attachments.length ? media : el("p", { class: "muted", text: "None." }));
    renderNotes(s.notes || []);
    $("notes-panel").hidden = false;
    $("note-status").textContent = "";
  }

  function formatNumber(n) {
    return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
  }

  function attachment(a) {
    const caption = el("figcaption", { text: a.caption || a.kind || "" });
    if (!a.url) {
      return el("figure", {}, el("p", { class: "muted", text: "Still uploading from the centre…" }), caption);
    }
    const mime = a.mime || "";
    let media;
    if (mime.startsWith("image/")) media = el("img", { src: a.url, alt: a.caption || "photo" });
    else if (mime.startsWith("audio/")) media = el("audio", { src: a.url, controls: "" });
    else if (mime.startsWith("video/")) media = el("video", { src: a.url, controls: "", preload: "metadata" });
    else media = el("a", { href: a.url, text: "Open file" });
    return el("figure", {}, media, caption);
  }

  function renderNotes(notes) {
    const list = $("note-list");
    list.replaceChildren();
    for (const n of notes) {
      list.append(el("li", {}, el("div", { text: n.text }),
        el("div", { class: "muted small", text: n.doctor + ", " + new Date(n.at).toLocaleString() })));
    }
  }

  $("note-save").addEventListener("click", async () => {
    const caseId = ui.selected;
    const text = $("note-text").value.trim();
    if (!caseId || !text) return;
    $("note-save").disabled = true;
    try {
      await api("/cases/" + encodeURIComponent(caseId) + "/notes", { method: "POST", json: { text } });
      $("note-text").value = "";
      $("note-status").textContent = "Saved.";
      const summary = await api("/cases/" + encodeURIComponent(caseId));
      if (ui.selected === caseId) renderNotes(summary.notes || []);
    } catch (e) {
      $("note-status").textContent = e.message;
    } finally {
      $("note-save").disabled = false;
    }
  });

  // ---- the call ---------------------------------------------------------------------------

  function setState(state, words) {
    ui.state = state;
    const node = $("call-state");
    node.setAttribute("data-state", state);
    node.textContent = words || STATE_WORDS[state];
  }

  function accept(caseId) {
    // Ask for the camera now, while the click still counts as the doctor's gesture.
    startLocalMedia();
    if (!send({ type: "accept", case_id: caseId })) {
      $("socket-state").textContent = "Not connected to the hub; cannot accept now.";
    }
  }

  function startLocalMedia() {
    if (ui.localReady) return ui.localReady;
    ui.localReady = navigator.mediaDevices.getUserMedia({ video: true, audio: true })
      .then((stream) => {
        ui.local = stream;
        $("local-video").srcObject = stream;
        return stream;
      })
      .catch(() => {
        $("call-link").textContent = "Your camera or microphone is not available: the centre will not see or hear you.";
        return null;
      });
    return ui.localReady;
  }

  function onAccepted(msg) {
    const fresh = !ui.call || ui.call.call_id !== msg.call_id;
    ui.call = { case_id: msg.case_id, call_id: msg.call_id };
    if (fresh) ui.attempt = 0;
    $("call-panel").hidden = false;
    $("call-link").textContent = "";
    $("btn-mute").setAttribute("aria-pressed", "false");
    $("btn-mute").textContent = "Mute";
    $("btn-camera").setAttribute("aria-pressed", "false");
    $("btn-camera").textContent = "Camera off";
    setState(ui.pc ? "reconnecting" : "connecting");
    startLocalMedia();
    showCase(msg.case_id);
  }

  function closePeer() {
    if (ui.pc) {
      ui.pc.ontrack = null;
      ui.pc.onconnectionstatechange = null;
      ui.pc.ondatachannel = null;
      ui.pc.close();
      ui.pc = null;
    }
  }

  function waitForGathering(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, GATHER_CAP_MS);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
      function check() {
        if (pc.iceGatheringState === "complete") done();
      }
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  // The centre's quality ladder (spoke_client/call/tuning.py) runs on its side of the link;
  // the same link carries this page's video, so every heartbeat ping says what the current
  // step allows this page to send: {step, video, video_kbps, height, fps}.
  async function applyStep(pc, beat) {
    if (ui.pc !== pc) return;
    ui.step = beat.step;
    for (const sender of pc.getSenders()) {
      if (!sender.track || sender.track.kind !== "video") continue;
      const params = sender.getParameters();
      if (!params.encodings || !params.encodings.length) params.encodings = [{}];
      const height = sender.track.getSettings().height || beat.height || 1;
      for (const encoding of params.encodings) {
        encoding.active = Boolean(beat.video);
        if (beat.video_kbps) encoding.maxBitrate = beat.video_kbps * 1000;
        if (beat.height) encoding.scaleResolutionDownBy = Math.max(1, height / beat.height);
        if (beat.fps) encoding.maxFramerate = beat.fps;
      }
      try {
        await sender.setParameters(params);
      } catch (err) {
        console.warn("could not apply the link step", beat.step, err && err.name);
      }
    }
    $("call-step").textContent = beat.video ? "Link: " + beat.step : "Link: voice only";
  }

  async function answerOffer(msg) {
    if (!ui.call || msg.call_id !== ui.call.call_id) return;
    closePeer(); // a new offer is a new connection: this is how reconnects work
    ui.attempt = msg.attempt;
    setState(msg.attempt > 1 || ui.state === "reconnecting" ? "reconnecting" : "connecting");
    const pc = new RTCPeerConnection({ iceServers: ui.iceServers });
    ui.pc = pc;
    ui.step = null; // a new connection starts unbounded until the centre's ping says otherwise
    const remote = new MediaStream();
    $("remote-video").srcObject = remote;
    pc.ontrack = (event) => {
      remote.addTrack(event.track);
      $("remote-video").play().catch(() => {});
    };
    pc.ondatachannel = (event) => {
      const channel = event.channel;
      if (channel.label !== "heartbeat") return;
      channel.onmessage = (e) => {
        let beat;
        try {
          beat = JSON.parse(e.data);
        } catch (err) {
          return;
        }
        if (beat && beat.t === "ping" && channel.readyState === "open") {
          channel.send(JSON.stringify({ t: "pong", n: beat.n, at: beat.at }));
          if (beat.step && beat.step !== ui.step) applyStep(pc, beat);
        } else if (beat && beat.t === "step") {
          applyStep(pc, beat);
        }
      };
    };
    pc.onconnectionstatechange = () => {
      if (ui.pc !== pc) return;
      const s = pc.connectionState;
      if (s === "connected") setState("connected");
      else if (s === "disconnected" || s === "failed") setState("reconnecting");
    };
    const local = await startLocalMedia();
    if (ui.pc !== pc) return;
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await waitForGathering(pc);
    if (ui.pc !== pc || !ui.call || ui.call.call_id !== msg.call_id) return;
    send({
      type: "answer",
      case_id: ui.call.case_id,
      call_id: ui.call.call_id,
      attempt: msg.attempt,
      sdp: pc.localDescription.sdp,
    });
  }

  function sendEnd() {
    if (!ui.call) return;
    send({ type: "end", case_id: ui.call.case_id, call_id: ui.call.call_id });
  }

  function endMedia() {
    closePeer();
    if (ui.local) for (const track of ui.local.getTracks()) track.stop();
    ui.local = null;
    ui.localReady = null;
    $("local-video").srcObject = null;
    $("remote-video").srcObject = null;
  }

  function onEnded(msg) {
    endMedia();
    ui.call = null;
    setState("ended", (END_WORDS[msg.reason] || "Call ended.") + " ");
    renderQueue(ui.queue);
  }

  $("btn-end").addEventListener("click", () => {
    if (ui.call) sendEnd();
  });

  $("btn-mute").addEventListener("click", () => {
    if (!ui.local) return;
    const muted = $("btn-mute").getAttribute("aria-pressed") !== "true";
    for (const track of ui.local.getAudioTracks()) track.enabled = !muted;
    $("btn-mute").setAttribute("aria-pressed", String(muted));
    $("btn-mute").textContent = muted ? "Unmute" : "Mute";
  });

  $("btn-camera").addEventListener("click", () => {
    if (!ui.local) return;
    const off = $("btn-camera").getAttribute("aria-pressed") !== "true";
    for (const track of ui.local.getVideoTracks()) track.enabled = !off;
    $("btn-camera").setAttribute("aria-pressed", String(off));
    $("btn-camera").textContent = off ? "Camera on" : "Camera off";
  });

  // ---- statistics for the tests and the curious -------------------------------------------

  function remoteBrightness() {
    const video = $("remote-video");
    if (!video.videoWidth || video.readyState < 2) return 0;
    const canvas = $("sample-canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
    return sum / (data.length / 4);
  }

  window.consoleStats = async function consoleStats() {
    const out = {
      state: ui.state,
      attempt: ui.attempt,
      step: ui.step || null,
      videoFramesDecoded: 0,
      videoWidth: 0,
      videoHeight: 0,
      videoFps: 0,
      audioPacketsReceived: 0,
      audioBytesReceived: 0,
      audioEnergy: 0,
      notBlack: false,
    };
    if (ui.pc) {
      const report = await ui.pc.getStats();
      report.forEach((s) => {
        if (s.type !== "inbound-rtp") return;
        if (s.kind === "video") {
          out.videoFramesDecoded += s.framesDecoded || 0;
          out.videoWidth = s.frameWidth || out.videoWidth;
          out.videoHeight = s.frameHeight || out.videoHeight;
          out.videoFps = s.framesPerSecond || out.videoFps;
        } else if (s.kind === "audio") {
          out.audioPacketsReceived += s.packetsReceived || 0;
          out.audioBytesReceived += s.bytesReceived || 0;
          out.audioEnergy += s.totalAudioEnergy || 0;
        }
      });
    }
    out.notBlack = remoteBrightness() > 12;
    return out;
  };

  // ---- start ------------------------------------------------------------------------------

  api("/me").then(showDesk, () => showLogin(""));
})();
