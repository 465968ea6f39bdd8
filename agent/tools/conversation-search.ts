import { z } from 'zod'
import type { ToolSpec } from './types.js'

const MAX_SNIPPET_CHARS = 1000

const schema = z.strictObject({
  query: z.string().trim().min(1).max(500).describe('Words to look for in earlier messages of this conversation'),
  limit: z.number().int().min(1).max(20).optional().describe('Maximum matches to return (default 5)'),
})

export const conversationSearchTool: ToolSpec<typeof schema> = {
  name: 'conversation_search',
  description:
    'Full-text search over the earlier messages of THIS conversation (both sides), best matches first. Use it to recall details the user gave before that are no longer in context.',
  schema,
  async run({ query, limit }, ctx) {
    const hits = await ctx.searchConversation(query, limit ?? 5)
    return {
      query,
      matches: hits.map((h) => ({
        role: h.role,
        createdAt: h.createdAt,
        content: h.content.length > MAX_SNIPPET_CHARS ? `${h.content.slice(0, MAX_SNIPPET_CHARS)}…` : h.content,
      })),
    }
  },
}
