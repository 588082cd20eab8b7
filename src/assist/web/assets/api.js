// The pages' HTTP client: /v1/suggest, /v1/feedback, /v1/snippets, /v1/library, /v1/check
// and /v1/followups with
// the key the host passed at init (or typed into the review page). The key lives in this
// object only: never in storage, cookies or the URL.
//
// It also knows whether the server can be reached: a network error or a timeout marks it
// unreachable (`onReachable(false)`), any HTTP answer marks it reachable again. While it
// is unreachable, `healthz` is probed now and then until it answers.

const TIMEOUT_MS = 10000;
const PROBE_MS = [2000, 4000, 8000, 15000]; // then every 15 s

export class ApiError extends Error {
  /**
   * @param {"auth"|"forbidden"|"not_found"|"conflict"|"rate"|"not_ready"|"too_long"|"invalid"|"server"|"network"|"timeout"} kind
   */
  constructor(kind, message, { status = 0, detail = "", retryAfter = 0 } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  /** The server could not be reached (as opposed to: it answered with an error). */
  get unreachable() {
    return this.kind === "network" || this.kind === "timeout";
  }
}

export class Api {
  #key;
  #probeTimer = 0;
  #probes = 0;

  /**
   * @param {URL} base the server root ("…/" — v1/suggest is resolved against it)
   * @param {(reachable: boolean) => void} [onReachable] called when reachability changes
   */
  constructor(base, key, onReachable = () => {}) {
    this.base = base;
    this.#key = key;
    this.onReachable = onReachable;
    this.reachable = true;
  }

  get hasKey() {
    return Boolean(this.#key);
  }

  suggest(body, signal) {
    return this.#request("POST", "v1/suggest", body, signal);
  }

  feedback(body) {
    return this.#request("POST", "v1/feedback", body);
  }

  /** Share a reply: {text, message, history, customer, suggestion_id?, visibility}. */
  share(body) {
    return this.#request("POST", "v1/snippets", body);
  }

  /** Coaching on a draft: {draft, conversation_id, message?, suggestion_id?, customer?, history?}. */
  check(body, signal) {
    return this.#request("POST", "v1/check", body, signal);
  }

  /** Search the library by typing: {q, lang?, k?}. */
  library(query, signal) {
    return this.get("v1/library", query, signal);
  }

  /** GET `path` with `query` ({name: value}; empty values left out). */
  get(path, query = {}, signal) {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    return this.#request("GET", url, undefined, signal);
  }

  post(path, body = {}) {
    return this.#request("POST", path, body);
  }

  patch(path, body) {
    return this.#request("PATCH", path, body);
  }

  /** Stop probing (this client is being replaced). */
  close() {
    clearTimeout(this.#probeTimer);
    this.onReachable = () => {};
  }

  async #request(method, path, body, signal) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.#key) headers.Authorization = `Bearer ${this.#key}`;
    // A timer rather than AbortSignal.timeout: one abort for both reasons, in every browser.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, TIMEOUT_MS);
    const forward = () => controller.abort();
    signal?.addEventListener("abort", forward);
    let response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      if (signal?.aborted) throw error; // superseded by a newer message: not an error
      this.#setReachable(false);
      if (timedOut) {
        throw new ApiError("timeout", "timeout", { detail: `no answer in ${TIMEOUT_MS / 1000} s` });
      }
      throw new ApiError("network", "network", { detail: String(error?.message || error) });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forward);
    }
    this.#setReachable(true);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.ok) return data;
    const detail = describe(data?.detail);
    const status = response.status;
    const kind =
      status === 401 ? "auth"
      : status === 403 ? "forbidden"
      : status === 404 ? "not_found"
      : status === 409 ? "conflict"
      : status === 429 ? "rate"
      : status === 503 ? "not_ready"
      : status === 413 ? "too_long"
      : status >= 400 && status < 500 ? "invalid"
      : "server";
    const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
    throw new ApiError(kind, kind, { status, detail, retryAfter });
  }

  #setReachable(reachable) {
    clearTimeout(this.#probeTimer);
    if (!reachable) this.#scheduleProbe();
    else this.#probes = 0;
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    this.onReachable(reachable);
  }

  #scheduleProbe() {
    clearTimeout(this.#probeTimer);
    const wait = PROBE_MS[Math.min(this.#probes, PROBE_MS.length - 1)];
    this.#probes += 1;
    this.#probeTimer = setTimeout(() => this.#probe(), wait);
  }

  /** Is anything answering at the base? `no-cors`: an API on another origin without CORS
   * for healthz still counts (an opaque answer is an answer; only a network error isn't). */
  async #probe() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      await fetch(new URL("healthz", this.base), {
        mode: "no-cors",
        credentials: "omit",
        cache: "no-store",
        signal: controller.signal,
      });
      this.#setReachable(true);
    } catch {
      if (!this.reachable) this.#scheduleProbe();
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A server `detail` (a string, or FastAPI's list of validation errors) as one line. */
function describe(detail) {
  if (!detail) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((e) => [Array.isArray(e.loc) ? e.loc.join(".") : "", e.msg].filter(Boolean).join(": "))
      .join("; ");
  }
  return JSON.stringify(detail);
}
