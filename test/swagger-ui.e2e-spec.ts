// Proves that Swagger UI at /docs works in a real browser against the real API: it renders the
// operations of every tag of the document, accepts an API key through "Authorize" and executes a
// report with it, all under the API's Content-Security-Policy. Needs Debian's Chromium
// (`apt-get install chromium`); .ci/run installs it, and only its absence skips this suite.
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from './support/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(process.cwd(), 'test-output', 'swagger-ui.png');
// A report an auditor may run that exists on every database, even an empty one.
// The report the browser executes: the trial balance, which an auditor key may read.
const REPORT = {
  tag: 'reports',
  operationId: 'reportsTrialBalance',
  path: '/v1/reports/trial-balance',
};

interface Operation {
  tags?: string[];
  operationId: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Swagger UI browser test skipped: ${CHROMIUM} is absent (apt-get install chromium).`,
  );
}
const describeInBrowser = hasChromium ? describe : describe.skip;

/** Swagger UI's element for an operation shown under a tag (one per tag it carries). */
const operationBlock = (page: Page, tag: string, operationId: string) =>
  page.locator(`[id="operations-${tag}-${operationId}"]`);

describeInBrowser(
  `Swagger UI in Chromium${hasChromium ? '' : ` (skipped: no ${CHROMIUM})`}`,
  () => {
    let t: TestApp;
    let browser: Browser;
    let page: Page;
    let base: string;
    const blocked: string[] = [];

    beforeAll(async () => {
      t = await startTestApp();
      await t.running.app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      // Anything the page's Content-Security-Policy refuses shows up as a console error.
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
          blocked.push(message.text());
        }
      });
      page.on('pageerror', (error) => blocked.push(`page error: ${error.message}`));
    });

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('renders the operations of every tag without a CSP violation', async () => {
      const document = (await t.http().get('/openapi.json')).body as Document;
      await page.goto(`${base}/docs`);
      const expected = Object.values(document.paths).flatMap((item) =>
        Object.values(item).flatMap((operation) =>
          (operation.tags ?? []).map((tag) => ({ tag, operationId: operation.operationId })),
        ),
      );
      expect(expected.length).toBeGreaterThan(0);
      await operationBlock(page, expected[0].tag, expected[0].operationId).waitFor();
      const missing: string[] = [];
      for (const { tag, operationId } of expected) {
        if (!(await operationBlock(page, tag, operationId).isVisible())) {
          missing.push(`${tag}/${operationId}`);
        }
      }
      expect(missing).toEqual([]);
      expect(blocked).toEqual([]);
    });

    it('authorises with an auditor key and executes a report (200)', async () => {
      const auditorKey = await t.createKey('auditor');

      await page.locator('.scheme-container button.authorize').click();
      const dialog = page.locator('.dialog-ux .modal-ux');
      await dialog.locator('input').first().fill(auditorKey);
      await dialog.locator('button.authorize').click();
      await dialog.locator('button.btn-done').click();

      const block = operationBlock(page, REPORT.tag, REPORT.operationId);
      await block.locator('.opblock-summary-control').click();
      await block.locator('button.try-out__btn').click();
      const answered = page.waitForResponse(
        (response) => new URL(response.url()).pathname === REPORT.path,
      );
      await block.locator('button.execute').click();
      const response = await answered;
      expect(response.status()).toBe(200);
      expect(await response.request().headerValue('authorization')).toBe(`Bearer ${auditorKey}`);

      // The UI renders the answer asynchronously: wait for the status and the highlighted body.
      const live = block.locator('.live-responses-table');
      await live.locator('.response-col_status', { hasText: '200' }).first().waitFor();
      await live.locator('.response-col_description pre', { hasText: '"contentHash"' }).waitFor();

      mkdirSync(join(process.cwd(), 'test-output'), { recursive: true });
      await block.scrollIntoViewIfNeeded();
      await page.screenshot({ path: SCREENSHOT, fullPage: false });
      expect(blocked).toEqual([]);
    });
  },
);
