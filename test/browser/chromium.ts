/**
 * Opens an HTML report in Debian's Chromium (playwright-core, no bundled browser download) and
 * records what a reader's browser would see: console errors, page errors, and every request the
 * page makes. The report is a self-contained offline file, so the only request allowed is the
 * document itself.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export async function launchChromium(): Promise<Browser> {
  // Fail, not skip: the HTML report is a deliverable and this is its only real-browser check.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 })
}

export interface OpenedReport {
  page: Page
  /** console.error messages and uncaught page errors. */
  errors: string[]
  /** Every URL the page requested, the document included. */
  requests: string[]
  documentUrl: string
}

export async function openReport(browser: Browser, file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport })
  const errors: string[] = []
  const requests: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('request', (request) => requests.push(request.url()))
  const documentUrl = pathToFileURL(file).href
  await page.goto(documentUrl, { waitUntil: 'load', timeout: 30_000 })
  return { page, errors, requests, documentUrl }
}

/** Facts about the rendered charts: how many SVGs, and how many carry a drawn (non-empty) path. */
export async function chartFacts(page: Page): Promise<{ charts: number; drawnPaths: number; visibleCharts: number }> {
  return page.evaluate(() => {
    const svgs = [...document.querySelectorAll('svg.chart')]
    const drawn = svgs.flatMap((svg) => [...svg.querySelectorAll('path')]).filter((p) => (p.getAttribute('d') ?? '').length > 10 && p.getTotalLength() > 0)
    const visible = svgs.filter((svg) => {
      const box = svg.getBoundingClientRect()
      return box.width > 100 && box.height > 50
    })
    return { charts: svgs.length, drawnPaths: drawn.length, visibleCharts: visible.length }
  })
}

export async function screenshot(page: Page, file: string, fullPage = false): Promise<void> {
  mkdirSync(dirname(file), { recursive: true })
  await page.screenshot({ path: file, fullPage })
}
