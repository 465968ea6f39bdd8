/**
 * Prompt-injection heuristics. A curated, weighted list of the phrasings and smuggling tricks seen
 * in public jailbreak corpora. It is a tripwire, not a classifier: it catches the common,
 * low-effort attacks cheaply so they are flagged, audited and (when configured) blocked, while
 * ordinary questions that merely mention "instructions" or "system" stay clean (see the tests'
 * benign near-misses). Scores add up and cap at 1; `flagged` when the score reaches the threshold.
 */
export interface InjectionPattern {
  id: string
  weight: number
  /** Why it is suspicious, for operators reading the audit. */
  description: string
  test: (text: string, folded: string) => boolean
}

export interface InjectionVerdict {
  flagged: boolean
  score: number
  patterns: string[]
}

export const INJECTION_THRESHOLD = 0.6

const re = (pattern: RegExp) => (_text: string, folded: string) => pattern.test(folded)

export const INJECTION_PATTERNS: readonly InjectionPattern[] = [
  {
    id: 'ignore-instructions',
    weight: 0.7,
    description: 'asks the model to disregard its earlier instructions',
    test: re(/\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(all |any |the |your |my )?(previous|prior|above|earlier|preceding|initial|original|system)\b[^.!?\n]{0,20}\b(instructions?|prompts?|rules|directions|guidelines|context|messages?)\b/),
  },
  {
    id: 'ignore-your-rules',
    weight: 0.4,
    description: 'tells the model to drop ITS rules ("ignore your guidelines")',
    test: re(/\b(ignore|disregard|forget|bypass|override)\b (all |any )?(of )?your (rules|instructions|guidelines|restrictions|programming|safety|policies)\b/),
  },
  {
    id: 'new-instructions',
    weight: 0.4,
    description: 'declares replacement instructions',
    test: re(/\b(new|updated|real|actual) (system )?(instructions|rules|directives)\b\s*(:|are\b|follow\b)/),
  },
  {
    id: 'persona-override',
    weight: 0.5,
    description: 'reassigns the model an unrestricted identity ("you are now ...")',
    test: re(/\byou are (now|no longer)\b|\bfrom now on,? you (are|will|must)\b|\bact as (an? )?(unrestricted|unfiltered|jailbroken|evil)\b/),
  },
  {
    id: 'system-prompt-exfiltration',
    weight: 0.7,
    description: 'asks to reveal the system prompt or hidden instructions',
    test: re(/\b(reveal|print|show|repeat|output|display|leak|dump|tell me)\b[^.!?\n]{0,30}\b(your|the) (system prompt|system message|initial prompt|hidden (prompt|instructions)|instructions above|developer message)\b|\brepeat (everything|the text|all) above\b/),
  },
  {
    id: 'jailbreak-roleplay',
    weight: 0.7,
    description: 'known jailbreak personas and modes (DAN, developer mode, no restrictions)',
    test: re(/\b(dan|do anything now|developer mode|dev mode|jailbreak(ed)?|god mode)\b[^.!?\n]{0,40}\b(enabled|mode|activated|now|you)\b|\bwithout (any )?(restrictions|filters|guidelines|limitations)\b|\bpretend (that )?you (have no|are not bound|aren't bound)\b/),
  },
  {
    id: 'fake-role-markers',
    weight: 0.5,
    description: 'forges chat-template role markers to impersonate the system',
    test: (text) => /<\|(im_start|im_end|system|assistant|endoftext)\|>|\[\/?(INST|SYS)\]|<<SYS>>|^\s*(system|assistant)\s*:/im.test(text),
  },
  {
    id: 'destructive-tool-use',
    weight: 0.3,
    description: 'asks for destructive database actions (weak alone: "how do I drop a table?" is a fair question)',
    test: re(/\b(drop|truncate|delete from|alter) (the |all )?(tables?|database|schema|role)\b/),
  },
  {
    id: 'secret-exfiltration',
    weight: 0.6,
    description: 'asks to send secrets, credentials or environment variables somewhere',
    test: re(/\b(send|post|exfiltrate|upload|forward|leak)\b[^.!?\n]{0,40}\b(secrets?|credentials|api keys?|passwords?|tokens|env(ironment)? variables)\b[^.!?\n]{0,30}\b(to|at|into)\b|\bcall (the )?\w+ tool\b[^.!?\n]{0,40}\b(secrets?|passwords?|credentials|api keys?)\b/),
  },
  {
    id: 'base64-blob',
    weight: 0.3,
    description: 'a long base64 run that may carry encoded instructions',
    test: (text) => /[A-Za-z0-9+/]{80,}={0,2}/.test(text) && /decode|base64|execute|follow/i.test(text),
  },
  {
    id: 'unicode-smuggling',
    weight: 0.7,
    description: 'invisible Unicode tag characters or bidi overrides that hide text from humans',
    test: (text) => /[\u{E0000}-\u{E007F}]|[\u202A-\u202E\u2066-\u2069]/u.test(text),
  },
  {
    id: 'zero-width-run',
    weight: 0.4,
    description: 'runs of zero-width characters, used to split trigger words past filters',
    test: (text) => /[\u200B-\u200D\u2060\uFEFF]{3,}|\w[\u200B-\u200D\u2060\uFEFF]\w[\u200B-\u200D\u2060\uFEFF]\w/.test(text),
  },
]

export function detectInjection(text: string): InjectionVerdict {
  // Fold case and strip zero-width characters so "ig\u200Bnore previous instructions" still matches.
  const folded = text.normalize('NFKC').toLowerCase().replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
  const patterns: string[] = []
  let score = 0
  for (const pattern of INJECTION_PATTERNS) {
    if (pattern.test(text, folded)) {
      patterns.push(pattern.id)
      score += pattern.weight
    }
  }
  score = Math.min(1, Math.round(score * 100) / 100)
  return { flagged: score >= INJECTION_THRESHOLD, score, patterns }
}
