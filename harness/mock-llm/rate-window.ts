import type { RateLimitHeaders } from './context.js'

/**
 * A one-minute window that feeds the x-ratelimit-* headers with plausible, moving numbers,
 * like OpenAI's per-minute request and token budgets. It never rejects: 429s come only from
 * the rate-limited scenario, so tests stay deterministic.
 */
export class RateWindow implements RateLimitHeaders {
  private windowStart = Date.now()
  private requests = 0
  private tokens = 0

  private readonly limitRequestsText: string
  private readonly limitTokensText: string

  constructor(
    readonly limitRequests = 10_000,
    readonly limitTokens = 10_000_000,
  ) {
    this.limitRequestsText = String(limitRequests)
    this.limitTokensText = String(limitTokens)
  }

  headers(tokens: number, into: Record<string, string>): void {
    const now = Date.now()
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now
      this.requests = 0
      this.tokens = 0
    }
    this.requests++
    this.tokens += tokens
    const resetS = `${Math.max(1, Math.ceil((60_000 - (now - this.windowStart)) / 1000))}s`
    into['x-ratelimit-limit-requests'] = this.limitRequestsText
    into['x-ratelimit-limit-tokens'] = this.limitTokensText
    into['x-ratelimit-remaining-requests'] = String(Math.max(0, this.limitRequests - this.requests))
    into['x-ratelimit-remaining-tokens'] = String(Math.max(0, this.limitTokens - this.tokens))
    into['x-ratelimit-reset-requests'] = resetS
    into['x-ratelimit-reset-tokens'] = resetS
  }

  reset(): void {
    this.windowStart = Date.now()
    this.requests = 0
    this.tokens = 0
  }
}
