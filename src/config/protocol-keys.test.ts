import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './load.js'

const dir = mkdtempSync(join(tmpdir(), 'agentctl-protocol-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function load(yaml: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, yaml)
  return loadConfig({ file, env: {} })
}

function configError(yaml: string): ConfigError {
  try {
    load(yaml)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('target protocol keys', () => {
  it('defaults to the agentctl protocol', () => {
    expect(load('target: {url: "http://127.0.0.1:1"}').config.target.protocol).toBe('agentctl')
  })
  it('accepts a working custom http config', () => {
    const { config } = load(`target:
  protocol: http
  chatPath: /invoke
  request: { body: { input: { text: "{{message}}" }, thread: "{{session}}" }, headers: { x-team: sre } }
  response: { text: $.output, error: $.error.message }
`)
    expect(config.target.response?.text).toBe('$.output')
  })
  it('names the path of an unknown protocol', () => {
    expect(configError('target: {protocol: grpc}').message).toMatch(/target\.protocol/)
  })
  it('http without an answer path is an error naming target.response and the fix', () => {
    const err = configError('target: {protocol: http}')
    expect(err.message).toMatch(/target\.response: protocol http needs/)
    expect(err.hint).toMatch(/response\.text/)
  })
  it('a template without {{message}} or not JSON once filled is refused', () => {
    expect(configError('target: {protocol: http, request: {body: {q: hi}}, response: {text: $.a}}').message).toMatch(/target\.request\.body: .*no \{\{message\}\}/)
    expect(configError(`target: {protocol: http, request: {body: '{"q": {{message}}}'}, response: {text: $.a}}`).message).toMatch(/not JSON once its placeholders are filled/)
  })
  it('keys of another protocol are impossible combinations', () => {
    expect(configError('target: {protocol: a2a, response: {text: $.a}}').message).toMatch(/target\.response: response paths only apply to protocol http/)
    expect(configError('target: {protocol: agentctl, request: {model: gpt}}').message).toMatch(/target\.request\.model/)
  })
  it('a JSONPath must start with $', () => {
    expect(configError('target: {protocol: http, response: {text: output}}').message).toMatch(/target\.response\.text: .*JSONPath/)
  })
})
