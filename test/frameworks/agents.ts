/**
 * The framework agents of fixtures/agents/frameworks and how agentctl talks to each: the
 * `target` block of an agentctl.yaml (protocol, chat route, request template, answer paths).
 * Used by the integration tests here; each row is also a worked config for docs/README.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const FRAMEWORKS_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'agents', 'frameworks')
export const INSTALL_COMMAND = 'npm ci --prefix fixtures/agents/frameworks'

export interface FrameworkAgent {
  /** fixtures/agents/frameworks/<file>.mjs */
  file: string
  framework: string
  /** The agentctl.yaml `target` keys besides url. */
  target: Record<string, unknown>
}

export const AGENTS: Record<string, FrameworkAgent> = {
  'ai-sdk': { file: 'ai-sdk', framework: 'ai-sdk', target: { protocol: 'ai-sdk', chatPath: '/api/chat' } },
  langgraph: {
    file: 'langgraph',
    framework: 'langchain',
    target: {
      protocol: 'http',
      chatPath: '/chat',
      request: { body: { message: '{{message}}', thread_id: '{{session}}' } },
      response: { text: '$.response', error: '$.error', session: '$.thread_id' },
    },
  },
  'langgraph-stream': {
    file: 'langgraph',
    framework: 'langchain',
    target: {
      protocol: 'http',
      chatPath: '/chat/stream',
      request: { body: { message: '{{message}}' } },
      response: { delta: '$.delta', streamError: '$.error' },
    },
  },
  'openai-agents-chat': { file: 'openai-agents-chat', framework: 'openai-agents', target: { protocol: 'openai-chat', chatPath: '/v1/chat/completions', request: { model: 'assistant' } } },
  'openai-agents-responses': { file: 'openai-agents-responses', framework: 'openai-agents', target: { protocol: 'agentctl', chatPath: '/chat' } },
  a2a: { file: 'a2a', framework: 'a2a-js', target: { protocol: 'a2a' } },
  mastra: {
    file: 'mastra',
    framework: 'mastra',
    target: { protocol: 'http', chatPath: '/api/generate', request: { body: { prompt: '{{message}}' } }, response: { text: '$.text', error: '$.error', usage: '$.usage' } },
  },
  anthropic: {
    file: 'anthropic',
    framework: 'other',
    target: { protocol: 'http', chatPath: '/api/ask', request: { body: { question: '{{message}}' } }, response: { text: '$.answer.text', error: '$.error.message' } },
  },
}

/** Whether `npm ci --prefix fixtures/agents/frameworks` has run. */
export const frameworksInstalled = () => existsSync(join(FRAMEWORKS_DIR, 'node_modules', '.package-lock.json'))
