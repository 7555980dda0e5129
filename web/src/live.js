// Today's total, kept current: the live WebSocket (channel user.today, event statusbar.today) when it connects,
// else the status bar polled every minute. The indicator says which, in words.
import { api, me } from "./api.js";
import { credential } from "./auth.js";

const POLL_MS = 60_000;
const PING_MS = 240_000;
const CONNECT_MS = 10_000; // a socket neither open nor closed by then (a silent network, a blocked URL) counts as down

export class TodayFeed {
  constructor(liveUrl) {
    this.liveUrl = liveUrl;
    this.listeners = new Set();
    this.modeListeners = new Set();
    this.mode = "connecting";
    this.data = null;
    this.socket = null;
    this.timers = [];
    this.stopped = false;
    this.failures = 0;
  }

  /** fn(data) on every new statusbar/today data; called at once with the latest. */
  subscribe(fn) {
    this.listeners.add(fn);
    if (this.data) fn(this.data);
    return () => this.listeners.delete(fn);
  }

  onMode(fn) {
    this.modeListeners.add(fn);
    fn(this.mode);
    return () => this.modeListeners.delete(fn);
  }

  setMode(mode) {
    this.mode = mode;
    this.modeListeners.forEach((fn) => fn(mode));
  }

  publish(data) {
    this.data = data;
    this.listeners.forEach((fn) => fn(data));
  }

  start() {
    this.refresh();
    if (this.liveUrl && "WebSocket" in window) this.connect();
    else this.poll();
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    this.stopPolling();
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close();
  }

  clearTimers() {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  async refresh() {
    try {
      const answer = await api(me("/statusbar/today"));
      this.publish(answer.data);
    } catch {
      /* the page shows its own errors; the indicator keeps its mode */
    }
  }

  poll() {
    if (this.stopped) return;
    this.setMode("polling");
    // One steady minute timer while the socket is down; reconnection attempts never restart it.
    this.pollTimer ||= setInterval(() => this.refresh(), POLL_MS);
    // Try the socket again now and then (backing off): the server may come back.
    if (this.liveUrl) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.connect(), Math.min(300_000, 15_000 * 2 ** this.failures));
    }
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  connect() {
    const cred = credential();
    if (this.stopped || !cred) return;
    let opened = false;
    let socket;
    try {
      socket = new WebSocket(this.liveUrl, ["codetime", cred.value]);
    } catch {
      this.failures += 1;
      this.poll();
      return;
    }
    this.socket = socket;
    const giveUp = setTimeout(() => {
      if (opened || this.socket !== socket) return;
      this.socket = null;
      this.failures += 1;
      socket.close();
      this.poll();
    }, CONNECT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(giveUp);
      opened = true;
      this.failures = 0;
      this.clearTimers();
      this.stopPolling();
      socket.send(JSON.stringify({ type: "subscribe", channel: "user.today" }));
      this.timers.push(setInterval(() => socket.readyState === 1 && socket.send(JSON.stringify({ type: "ping" })), PING_MS));
      this.setMode("live");
    });
    socket.addEventListener("message", (event) => {
      const message = parseMessage(event);
      if (message?.type === "statusbar.today" && message.data) this.publish(message.data);
    });
    socket.addEventListener("close", () => {
      clearTimeout(giveUp);
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (!opened) this.failures += 1;
      this.poll();
    });
  }
}

/** A socket message's JSON, or null for anything else (a frame that is not JSON is ignored). */
function parseMessage(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    return null;
  }
}

/**
 * One live channel on its own socket (e.g. org.presence): onEvent(message) for each event, onState("live" |
 * "unavailable" | error text). Returns a function that closes it. No polling fallback: presence has no REST twin.
 */
export function openChannel(liveUrl, channel, filters, onEvent, onState) {
  const cred = credential();
  if (!liveUrl || !cred || !("WebSocket" in window)) {
    onState("unavailable");
    return () => {};
  }
  let socket;
  try {
    socket = new WebSocket(liveUrl, ["codetime", cred.value]);
  } catch {
    onState("unavailable");
    return () => {};
  }
  let closed = false;
  const giveUp = setTimeout(() => socket.readyState !== 1 && socket.close(), CONNECT_MS);
  const pinger = setInterval(() => socket.readyState === 1 && socket.send(JSON.stringify({ type: "ping" })), PING_MS);
  socket.addEventListener("open", () => {
    clearTimeout(giveUp);
    socket.send(JSON.stringify({ type: "subscribe", channel, filters }));
  });
  socket.addEventListener("message", (event) => {
    const message = parseMessage(event);
    if (!message) return;
    if (message.type === "error") onState(message.error);
    else if (message.type === "subscribed") onState("live");
    else if (message.type === "unsubscribed") onState(message.data?.reason || "unavailable");
    else if (message.channel === channel) onEvent(message);
  });
  socket.addEventListener("close", () => {
    clearTimeout(giveUp);
    clearInterval(pinger);
    if (!closed) onState("unavailable");
  });
  return () => {
    closed = true;
    clearTimeout(giveUp);
    clearInterval(pinger);
    socket.close();
  };
}
