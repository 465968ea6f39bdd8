/**
 * Builds the TargetProtocol a config asks for (docs/CONTRACTS.md "Target protocols"). Discovery
 * (the A2A agent card) happens here, once, before any chat; a target whose discovery fails throws
 * ProtocolSetupError with the cause and the fix.
 */
import { discoverA2a, type FetchOptions, ProtocolSetupError } from './a2a-card.js'
import { a2aProtocol } from './a2a.js'
import { agentctlProtocol } from './agentctl.js'
import { aiSdkProtocol } from './ai-sdk.js'
import { httpProtocol } from './http.js'
import { openaiChatProtocol } from './openai-chat.js'
import type { ProtocolOptions } from './options.js'
import type { ProtocolId, TargetProtocol } from './types.js'

export { ProtocolSetupError }
export type { ProtocolOptions }
export * from './types.js'

export async function openProtocol(id: ProtocolId, opts: ProtocolOptions, fetchOpts: FetchOptions = {}): Promise<TargetProtocol> {
  switch (id) {
    case 'agentctl':
      return agentctlProtocol(opts)
    case 'openai-chat':
      return openaiChatProtocol(opts)
    case 'ai-sdk':
      return aiSdkProtocol(opts)
    case 'http':
      return httpProtocol(opts)
    case 'a2a':
      return a2aProtocol(opts, await discoverA2a(opts.url, opts.cardPath, { ...fetchOpts, headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : undefined }))
  }
}

/** The adapter options for a config's target (config.target keys: see src/config/schema.ts). */
export function protocolOptions(target: {
  url: string
  chatPath: string
  apiKey?: string
  request?: { headers?: Record<string, string>; body?: unknown; model?: string; cardPath?: string }
  response?: ProtocolOptions['response']
}): ProtocolOptions {
  return {
    url: target.url,
    chatPath: target.chatPath,
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    ...(target.request?.headers ? { headers: target.request.headers } : {}),
    ...(target.request?.model ? { model: target.request.model } : {}),
    ...(target.request?.body !== undefined ? { bodyTemplate: target.request.body } : {}),
    ...(target.request?.cardPath ? { cardPath: target.request.cardPath } : {}),
    ...(target.response ? { response: target.response } : {}),
  }
}

/** openProtocol for a loaded config: the one call validate, load and diagnose make. */
export function openTargetProtocol(target: Parameters<typeof protocolOptions>[0] & { protocol: string }, fetchOpts: FetchOptions = {}): Promise<TargetProtocol> {
  return openProtocol(target.protocol as ProtocolId, protocolOptions(target), fetchOpts)
}
