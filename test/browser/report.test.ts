/**
 * The HTML report in a real browser (Debian's Chromium via playwright-core), rendered from the
 * shipped combined-report fixture with XSS payloads planted where a hostile agent or dependency
 * could put text: a finding's title, message, remediation and evidence, and the target. The demo's
 * own report (a real run) is opened by test/demo/demo.test.ts with the same helpers.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderReport } from '../../reports/index.js'
import type { Report } from '../../src/report.js'
import { fixtureReport } from '../support/report-samples.js'
import { chartFacts, launchChromium, openReport, screenshot } from './chromium.js'

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts')
const XSS_IMG = '<img src=x onerror="window.__xss=1">'
const XSS_SCRIPT = '<script>window.__xss=1</script>'
const XSS_ATTR = '"><svg onload="window.__xss=1">'

function hostileReport(): Report {
  const report = fixtureReport('demo')
  const validate = report.sections![0]!
  validate.target = `http://127.0.0.1:8080/${XSS_ATTR}`
  const first = validate.findings[0]!
  Object.assign(first, {
    status: 'fail',
    title: `Agent answered ${XSS_IMG}`,
    message: `the LLM returned ${XSS_SCRIPT} verbatim`,
    remediation: `sanitise output ${XSS_ATTR}`,
    evidence: { body: XSS_IMG + XSS_SCRIPT, [`key${XSS_ATTR}`]: 'v' },
  })
  return report
}

describe('HTML report in Chromium', () => {
  let browser: Browser
  let file: string
  let html: string
  beforeAll(async () => {
    browser = await launchChromium()
    mkdirSync(ARTIFACTS, { recursive: true })
    html = renderReport(hostileReport(), 'html')
    file = join(ARTIFACTS, 'report-hostile.html')
    writeFileSync(file, html)
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('loads with no console errors and no request but the document itself', async () => {
    const { page, errors, requests, documentUrl } = await openReport(browser, file)
    // A CSP violation (an injected <img>/<script> the CSP blocked) is logged as a console error, so this also catches broken escaping.
    expect(errors).toEqual([])
    expect(requests).toEqual([documentUrl])
    await screenshot(page, join(ARTIFACTS, 'report.png'))
    await page.close()
  })

  it('renders the load charts as SVG with drawn paths', async () => {
    const { page } = await openReport(browser, file)
    const facts = await chartFacts(page)
    expect(facts.charts).toBeGreaterThanOrEqual(2)
    expect(facts.drawnPaths).toBeGreaterThanOrEqual(2)
    expect(facts.visibleCharts).toBe(facts.charts)
    await page.close()
  })

  it('shows the planted payloads as readable text, not markup, and none executes', async () => {
    const { page } = await openReport(browser, file)
    const failing = page.locator('details.finding[open]').filter({ hasText: 'Agent answered' }).first()
    await expect(failing.isVisible()).resolves.toBe(true)
    const text = await failing.innerText()
    expect(text).toContain(XSS_IMG)
    expect(text).toContain(XSS_SCRIPT)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.locator('img, script, iframe, body svg:not(.chart)').count()).toBe(0)
    await page.close()
  })

  it('stays inert even without its Content-Security-Policy (escaping alone holds)', async () => {
    const naked = join(ARTIFACTS, 'report-hostile-no-csp.html')
    writeFileSync(naked, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''))
    expect(readFileSync(naked, 'utf8')).not.toContain('Content-Security-Policy')
    const { page, errors, requests, documentUrl } = await openReport(browser, naked)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(requests).toEqual([documentUrl])
    expect(errors).toEqual([])
    await page.close()
  })
})
