// A reader of the service's server-sent events (GET /v1/events) over fetch, for the screens that follow
// the live stream: it sends the token in the Authorization header (EventSource cannot), remembers the last
// event id and sends it back as Last-Event-ID when it reconnects (with backoff), so nothing published while
// the connection was down is missed.
import { getToken } from "/assets/api.js";

const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

/** Parse one SSE frame ("id:", "event:", "data:" lines) into {id, name, data} (data: the joined lines). */
export function parseFrame(frame) {
  let name = "message";
  let id = null;
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { id, name, data: data.length ? data.join("\n") : null };
}

export class EventStream {
  /**
   * @param {object} o
   * @param {() => URLSearchParams} [o.params]   query parameters of each connection (e.g. the regions followed)
   * @param {(name: string, data: object) => void} o.onEvent
   * @param {(state: "open"|"closed"|"unauthorized") => void} [o.onState]
   * @param {() => Promise<void>} [o.onUnauthorized]  get a new token (then the stream goes on); without it a
   *   401 or 403 ends the stream
   */
  constructor({ params, onEvent, onState, onUnauthorized }) {
    this.params = params || (() => new URLSearchParams());
    this.onEvent = onEvent;
    this.onState = onState || (() => {});
    this.onUnauthorized = onUnauthorized;
    this.restarting = false;
    this.lastId = "";
    this.ctrl = null;
    this.failures = 0;
    this.stopped = false;
  }

  async readOnce() {
    const headers = { Authorization: `Bearer ${getToken()}`, Accept: "text/event-stream" };
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    this.ctrl = new AbortController();
    const res = await fetch(`/v1/events?${this.params()}`, { headers, signal: this.ctrl.signal, cache: "no-store" });
    if (res.status === 401 || res.status === 403) {
      this.onState("unauthorized");
      if (this.onUnauthorized) await this.onUnauthorized();
      else this.stopped = true;
      return;
    }
    if (!res.ok || !(res.headers.get("content-type") || "").includes("text/event-stream")) {
      if (res.status === 422) this.lastId = "";  // an id the server does not know: start from now
      throw new Error(`HTTP ${res.status}`);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = parseFrame(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (frame.id) this.lastId = frame.id;
        if (frame.data === null) continue;  // a keepalive comment, or the retry hint
        let parsed;
        try { parsed = JSON.parse(frame.data); } catch { continue; }
        if (frame.name === "error") throw new Error(parsed.message || "stream error");
        if (frame.name === "ready") {
          this.failures = 0;
          this.onState("open");
        }
        try { this.onEvent(frame.name, parsed); } catch (err) { console.warn("live event", frame.name, err); }
      }
    }
  }

  /** Follow the stream until ``stop()``; reconnects after a drop, resuming after the last event seen. */
  async run() {
    while (!this.stopped) {
      try {
        await this.readOnce();
      } catch (err) {
        if (err?.name !== "AbortError") this.failures += 1;
      }
      if (this.stopped) return;
      this.onState("closed");
      // restarted on purpose (new regions, a new token): at once; dropped: after a backoff
      const wait = this.failures ? RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]
        : this.restarting ? 0 : 1000;
      this.restarting = false;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Reconnect now (the token or the parameters changed). */
  restart() {
    this.restarting = true;
    if (this.ctrl) this.ctrl.abort();
  }

  stop() {
    this.stopped = true;
    if (this.ctrl) this.ctrl.abort();
  }
}
