// The sidebar's HTTP client: /v1/suggest and /v1/feedback with the key the host passed
// at init. The key lives in this object only: never in storage, cookies or the URL.

const TIMEOUT_MS = 10000;

export class ApiError extends Error {
  /**
   * @param {"auth"|"forbidden"|"rate"|"not_ready"|"too_long"|"invalid"|"server"|"network"|"timeout"} kind
   */
  constructor(kind, message, { status = 0, detail = "", retryAfter = 0 } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export class Api {
  #key;

  /** @param {URL} base the server root ("…/" — v1/suggest is resolved against it) */
  constructor(base, key) {
    this.base = base;
    this.#key = key;
  }

  get hasKey() {
    return Boolean(this.#key);
  }

  suggest(body, signal) {
    return this.#post("v1/suggest", body, signal);
  }

  feedback(body) {
    return this.#post("v1/feedback", body);
  }

  async #post(path, body, signal) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (this.#key) headers.Authorization = `Bearer ${this.#key}`;
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const signals = signal ? [signal, timeout] : [timeout];
    let response;
    try {
      response = await fetch(new URL(path, this.base), {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any ? AbortSignal.any(signals) : signal || timeout,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      if (signal?.aborted) throw error; // superseded by a newer message: not an error
      if (timeout.aborted) {
        throw new ApiError("timeout", "timeout", { detail: `no answer in ${TIMEOUT_MS / 1000} s` });
      }
      throw new ApiError("network", "network", { detail: String(error?.message || error) });
    }
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
      : status === 429 ? "rate"
      : status === 503 ? "not_ready"
      : status === 413 ? "too_long"
      : status >= 400 && status < 500 ? "invalid"
      : "server";
    const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
    throw new ApiError(kind, kind, { status, detail, retryAfter });
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
