/**
 * Every error the agent returns has OpenAI's shape, `{error:{message,type,param,code}}`, so one
 * client-side handler covers the agent and the LLM behind it. ApiError carries the HTTP status and
 * an optional Retry-After; the server's error handler renders it.
 */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly options: { code?: string; param?: string; retryAfterSec?: number } = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }

  get code(): string {
    return this.options.code ?? this.type
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.options.param ?? null, code: this.code } }
  }
}

export const errorBody = (message: string, type: string, code: string | null = type, param: string | null = null): ErrorBody => ({
  error: { message, type, param, code },
})

/** PostgreSQL is the system of record: when it is unreachable nothing can be acknowledged. */
export const databaseUnavailable = (retryAfterSec = 5) =>
  new ApiError(503, 'database_unavailable', 'the conversation store (PostgreSQL) is unavailable; the turn was not stored, retry later', {
    retryAfterSec,
  })

/**
 * Sessions are issued by the agent and belong to the API key that created them. An id that does
 * not exist and one that belongs to another key get this same answer, so a caller learns nothing
 * about ids it does not own.
 */
export const sessionNotFound = (param: 'session_id' | 'id') =>
  new ApiError(
    404,
    'not_found',
    'no such session for this API key; start a conversation without session_id and continue it with the session_id of the first answer',
    { code: 'session_not_found', param },
  )
