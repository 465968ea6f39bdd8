/** What an adapter needs to know about the target (from config.target, see src/config/schema.ts). */
export interface ProtocolOptions {
  /** Base URL of the agent. */
  url: string
  /** The chat route (agentctl, openai-chat, ai-sdk, http). */
  chatPath: string
  apiKey?: string
  /** Extra headers on every chat request (target.request.headers). */
  headers?: Record<string, string>
  /** openai-chat: the `model` field to send (target.request.model). */
  model?: string
  /** http: the JSON body template with {{message}} / {{session}} (target.request.body). */
  bodyTemplate?: unknown
  /** http: where the answer is (target.response). */
  response?: HttpResponsePaths
  /** a2a: where the agent card is (default /.well-known/agent-card.json). */
  cardPath?: string
}

/** JSONPath expressions (jsonpath-plus) locating the parts of a custom HTTP answer. */
export interface HttpResponsePaths {
  /** The answer text in a JSON body, e.g. `$.output.text`. */
  text?: string
  /** An error inside a 2xx, e.g. `$.error.message`: when it matches anything, the answer failed. */
  error?: string
  /** The session id to send back as {{session}}. */
  session?: string
  /** Token usage object (any common shape). */
  usage?: string
  /** SSE: the text delta in each event's JSON data, e.g. `$.choices[0].delta.content`. */
  delta?: string
  /** SSE: an error inside an event's JSON data, e.g. `$.error`. */
  streamError?: string
}
