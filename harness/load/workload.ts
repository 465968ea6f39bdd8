import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { AgentctlError } from '../../src/exit-codes.js'
import type { TargetProtocol } from '../../src/protocols/types.js'

/** One HTTP request to send. `path` includes any query string. */
export interface RequestSpec {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

interface Session {
  /** The agent's id for the conversation, from its first answer (or `fallbackId`); unset before. */
  id?: string
  /** Used when the first answer carries no session_id: an agent that takes ids from its callers. */
  fallbackId: string
  turns: string[]
  next: number
}

/** A request handed out by the workload; give it back through `complete()`. */
export interface Turn {
  spec: RequestSpec
  session?: Session
}

export interface WorkloadOptions {
  method: string
  path: string
  headers: Record<string, string>
  /** A fixed body (--body); wins over prompts. */
  body?: string
  /** Single-turn prompts, rotated. */
  prompts?: string[]
  /** Multi-turn conversations: each is replayed in order, continuing the session_id of its first answer. */
  sessions?: string[][]
  /**
   * --protocol: the adapter builds each chat's body and headers (docs/CONTRACTS.md "Target
   * protocols"); `path` and the plan's headers still win. Without it the body is {message}.
   */
  protocol?: TargetProtocol
  /**
   * Send chats to the protocol's own URL (its path and query, on the target origin) instead of
   * `path`: an A2A agent's endpoint is the one its card names, not target.chatPath. Unset when the
   * user gave --path, and for the agentctl protocol (target.chatPath).
   */
  pathFromProtocol?: boolean
  /** Ask the protocol for a streamed answer (--stream). */
  stream?: boolean
}

/**
 * Produces request bodies: a fixed body, rotating prompts, or multi-turn sessions. A session is
 * checked out while one of its turns is in flight, so its turns stay in order (turn 2 is only sent
 * after turn 1 answered) in both the closed and the open model. The first turn is sent without a
 * session_id and the next ones carry the `session_id` of its answer, as a real client of an agent
 * that issues session ids does (the reference agent refuses ids it did not issue); an answer
 * without one falls back to an id of ours. This exercises the agent's memory path the way real
 * conversations do.
 */
export class Workload {
  private promptIndex = 0
  private sessionIndex = 0
  private sessionCounter = 0
  private readonly idle: Session[] = []
  private readonly runId = randomBytes(4).toString('hex')

  constructor(readonly options: WorkloadOptions) {}

  /** True when responses must be handed back (sessions); otherwise bodies can be discarded. */
  get tracksSessions(): boolean {
    return (this.options.sessions?.length ?? 0) > 0
  }

  get kind(): string {
    if (this.options.body !== undefined) return 'fixed body'
    if (this.tracksSessions) return `${this.options.sessions!.length} multi-turn sessions`
    if (this.options.prompts?.length) return `${this.options.prompts.length} rotating prompts`
    return 'no body'
  }

  next(): Turn {
    const { method, path, headers } = this.options
    if (this.options.body !== undefined) return { spec: { method, path, headers, body: this.options.body } }
    if (this.tracksSessions) {
      const session = this.idle.shift() ?? this.newSession()
      const message = session.turns[session.next]!
      return { spec: this.chat(message, session.id), session }
    }
    const prompts = this.options.prompts
    if (prompts?.length) return { spec: this.chat(prompts[this.promptIndex++ % prompts.length]!) }
    return { spec: { method, path, headers } }
  }

  private chat(message: string, session?: string): RequestSpec {
    const { method, path, headers, protocol, stream } = this.options
    if (!protocol) return { method, path, headers, body: JSON.stringify(session ? { message, session_id: session } : { message }) }
    // The attribution marker (docs/CONTRACTS.md #2): the mock LLM counts this run's calls by it.
    const wire = protocol.request({ message, marker: `load-${this.runId}`, ...(session ? { session } : {}), ...(stream ? { stream: true } : {}) })
    return { method: wire.method, path: this.options.pathFromProtocol ? pathOf(wire.url) : path, headers: { ...wire.headers, ...headers }, body: wire.body }
  }

  /** The path chats are sent to (for the plan line printed before traffic). */
  get requestPath(): string {
    const { protocol, pathFromProtocol, path } = this.options
    return protocol && pathFromProtocol ? pathOf(protocol.request({ message: '' }).url) : path
  }

  /**
   * Returns a session to the idle pool after its turn answered; a finished session is retired. The
   * session id of a first turn comes from the protocol's answer (`session`), else from the body's
   * session_id (the agent issues ids: docs/CONTRACTS.md "Agent API").
   */
  complete(turn: Turn, ok: boolean, body?: string, answerSession?: string): void {
    const session = turn.session
    if (!session) return
    if (ok && session.id === undefined) session.id = answerSession ?? sessionIdOf(body) ?? session.fallbackId
    session.next++
    // A failed turn ends the conversation: a real user would not continue a broken thread.
    if (ok && session.next < session.turns.length) this.idle.push(session)
  }

  private newSession(): Session {
    const sessions = this.options.sessions!
    const turns = sessions[this.sessionIndex++ % sessions.length]!
    return { fallbackId: `load-${this.runId}-${++this.sessionCounter}`, turns, next: 0 }
  }
}

/** Path and query of a protocol's absolute URL: load sends them to the target origin the safety gate checked. */
function pathOf(url: string): string {
  const parsed = new URL(url)
  return parsed.pathname + parsed.search
}

function sessionIdOf(body: string | undefined): string | undefined {
  if (!body) return undefined
  try {
    const id = (JSON.parse(body) as { session_id?: unknown })?.session_id
    return typeof id === 'string' && id.length > 0 ? id : undefined
  } catch {
    return undefined
  }
}

/** Reads a prompts file: .txt (one prompt per line, # comments) or .jsonl ({"message"|"prompt": …} per line). */
export function readPrompts(file: string): string[] {
  const lines = readLines(file)
  const prompts = extname(file) === '.jsonl' ? lines.map((line, i) => promptOf(parseJsonLine(line, file, i), file)) : lines
  if (prompts.length === 0) throw new AgentctlError(`prompts file ${file} has no prompts`, 2, 'put one prompt per line (.txt) or {"message": "…"} per line (.jsonl)')
  return prompts
}

/** Reads a sessions file (.jsonl): one conversation per line, {"turns": ["…", "…"]} or a JSON array of strings. */
export function readSessions(file: string): string[][] {
  const sessions = readLines(file).map((line, i) => {
    const value = parseJsonLine(line, file, i)
    const turns = Array.isArray(value) ? value : (value as { turns?: unknown })?.turns
    if (!Array.isArray(turns) || turns.length === 0 || !turns.every((t) => typeof t === 'string')) {
      throw new AgentctlError(`${file}:${i + 1}: a session must be {"turns": ["…", …]} or ["…", …] with at least one string`, 2)
    }
    return turns as string[]
  })
  if (sessions.length === 0) throw new AgentctlError(`sessions file ${file} has no sessions`, 2, 'write one {"turns": ["hi", "and then?"]} per line')
  return sessions
}

function readLines(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new AgentctlError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2, 'check the path')
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
}

function parseJsonLine(line: string, file: string, index: number): unknown {
  try {
    return JSON.parse(line)
  } catch {
    throw new AgentctlError(`${file}:${index + 1}: not valid JSON`, 2, 'each line of a .jsonl file is one JSON value')
  }
}

function promptOf(value: unknown, file: string): string {
  if (typeof value === 'string') return value
  const record = value as { message?: unknown; prompt?: unknown }
  const text = record?.message ?? record?.prompt
  if (typeof text !== 'string') throw new AgentctlError(`${file}: each line needs a "message" or "prompt" string`, 2)
  return text
}
