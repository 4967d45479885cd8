/**
 * The web console end to end, in Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * against a Quire listening on a free port (extraction on the fault fixture, so a dead job and a
 * slow one can be made): a wrong key is refused, sign-in, an upload of two PDFs, a DOCX and a
 * slow text reaching ready with their progress shown, page 2 of a PDF rendered from Markdown, a
 * search landing on its page, rerank (degraded without a model), the rerank playground, a dead
 * job retried and a running one cancelled, a read-only key seeing no write action, the phone
 * layout, axe-core on every view, no CSP violation, and the bundle's size.
 *
 * Screenshots go to artifacts/console/ (git-ignored; CI keeps them); QUIRE_CONSOLE_README_SHOT=1
 * also writes docs/console.png, the README's picture.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  hasQpdf,
  pagePhrase,
  writeDocx,
  writeEncryptedPdf,
  writeTextPdf,
} from '../fixtures/documents.js';
import { createApiKey, onCleanup, tempDir, TEST_ADMIN_KEY, type TestApp } from '../helpers/app.js';
import { buildTestApp } from '../helpers/app.js';
import { FAST, FAULT_WORKER } from '../helpers/extraction.js';
import { submitText, waitForJob } from '../helpers/jobs.js';
import { ROOT } from '../helpers/process.js';

const CHROMIUM = '/usr/bin/chromium';
const DIST = join(ROOT, 'console', 'dist');
const ARTIFACTS = join(ROOT, 'artifacts', 'console');
const STEP_MS = 30_000;
const JS_BUDGET_GZ = 200 * 1024;

/** Builds the console when this checkout has no build yet (`npm test` builds it first). */
function ensureBuilt(): void {
  if (existsSync(join(DIST, 'index.html'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      timeout: 120_000,
    },
  );
}

/** axe-core's source, run in the page through the DevTools protocol (the CSP blocks inline). */
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string runs in the page as it is (this file's types know no DOM).
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document).then((result) => result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })),
    })))`,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((n) => n.target))}`,
    );
}

describe(
  'the web console in Chromium',
  { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`, timeout: 240_000 },
  () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let readerKey: string;
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    let files: string[];

    async function shot(name: string): Promise<void> {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    }

    async function axeClean(view: string): Promise<void> {
      assert.deepEqual(await seriousViolations(page), [], `axe on ${view}`);
    }

    async function signIn(key: string): Promise<void> {
      await page.goto(`${base}/console/`);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    before(async () => {
      ensureBuilt();
      mkdirSync(ARTIFACTS, { recursive: true });
      t = await buildTestApp(
        {
          ...FAST,
          QUIRE_RATE_LIMIT_SEARCH: '1000000',
          QUIRE_JOB_MAX_ATTEMPTS: '2',
          QUIRE_CONSOLE_DIR: DIST,
        },
        { extractionWorkerFile: FAULT_WORKER },
      );
      base = await t.app.listen({ host: '127.0.0.1', port: 0 });
      readerKey = (await createApiKey(t, { name: 'reader', scopes: ['documents:read', 'search'] }))
        .key;
      const dir = tempDir();
      const manual = await writeTextPdf(dir, 12);
      const shortDir = tempDir();
      const short = await writeTextPdf(shortDir, 3);
      const docx = await writeDocx(dir);
      files = [manual, short, docx];

      const profile = await mkdtemp(join(tmpdir(), 'quire-chromium-'));
      onCleanup(() => rm(profile, { recursive: true, force: true }));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 30_000,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-dev-shm-usage',
        ],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(STEP_MS);
      page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text()))
          cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
    });

    after(async () => {
      await browser?.close().catch(() => undefined);
    });

    it('refuses a wrong key with a clear message', async () => {
      await signIn('qk_wrong-key-000000000000000000000000000000');
      await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /API key was refused/);
      await axeClean('sign-in');
      await shot('sign-in-refused');
    });

    it('signs in and uploads two PDFs, a DOCX and a slow text, each reaching ready with progress', async () => {
      await signIn(TEST_ADMIN_KEY);
      await page.getByRole('heading', { name: 'Upload' }).waitFor();
      assert.equal(
        await page.evaluate<number>('sessionStorage.length'),
        1,
        'the key is in sessionStorage',
      );
      assert.ok(!page.url().includes('qk_'), 'the key is never in the URL');
      const slow = join(tempDir(), 'slow.txt');
      // 8 s of page progress: long enough to be seen behind the other files on a busy machine.
      writeFileSync(slow, 'QUIRE-FAULT:slow 8000 5\nA slow document.\n');
      await page.locator('#file-picker').setInputFiles([...files, slow]);
      const items = page.getByTestId('upload-item');
      await items.nth(3).waitFor();
      // The slow one reports its pages as extraction goes.
      const slowItem = items.filter({ hasText: 'slow.txt' });
      await slowItem.getByText(/Extracting: page [1-4] of 5/).waitFor({ timeout: 45_000 });
      assert.equal(
        await slowItem.locator('progress').count(),
        1,
        'a progress bar while extracting',
      );
      await shot('upload-progress');
      for (let i = 0; i < 4; i++)
        await items.nth(i).and(page.locator('[data-phase="ready"]')).waitFor({ timeout: 60_000 });
      assert.match(
        await items.filter({ hasText: 'text-12.pdf' }).first().innerText(),
        /Ready: 12 pages/,
      );
      await axeClean('upload');
    });

    it('shows each file’s upload bytes as they go', async () => {
      // The browser's upload is held to 256 KB/s through the DevTools protocol, so a 512 KB file
      // takes about 2 s to send and its bar can be seen part-way.
      const cdp = await context.newCDPSession(page);
      const throttle = (bytesPerSecond: number) =>
        cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: bytesPerSecond,
        });
      await throttle(256 * 1024);
      try {
        const big = join(tempDir(), 'big.txt');
        writeFileSync(big, 'A large plain text for the upload bar.\n'.repeat(13_500));
        await page.locator('#file-picker').setInputFiles(big);
        const bar = page.getByRole('progressbar', { name: 'Upload of big.txt' });
        await bar.waitFor();
        // <progress value max> reflects its properties as attributes; read them until the bar is
        // seen part-way (10 s at most).
        let partWay = false;
        const deadline = Date.now() + 10_000;
        while (!partWay && Date.now() < deadline) {
          const read = (name: string) =>
            bar.getAttribute(name, { timeout: 250 }).then(Number, () => Number.NaN);
          const [now, max] = [await read('value'), await read('max')];
          partWay = now > 0 && max > 0 && now < max;
          if (!partWay) await page.waitForTimeout(50);
        }
        assert.ok(partWay, 'the upload bar was seen part-way');
        await shot('upload-bytes');
      } finally {
        await throttle(-1);
        await cdp.detach();
      }
      const item = page.getByTestId('upload-item').filter({ hasText: 'big.txt' });
      await item.and(page.locator('[data-phase="ready"]')).waitFor({ timeout: 30_000 });
    });

    it('opens a PDF and reads page 2, rendered from Markdown', async () => {
      await page.goto(`${base}/console/#/documents`);
      const rows = page.getByTestId('document-row');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 5);
      await axeClean('documents');
      await shot('documents');
      await page.getByRole('link', { name: 'text-12.pdf' }).click();
      await page.getByTestId('content').waitFor();
      // Page 2's text comes late, so all pages are still shown when it is asked for: they must
      // not be labelled page 2 meanwhile (CI once read them as page 2).
      const page2 = /\/content\?(.*&)?pages=2(&|$)/;
      await page.route(page2, async (request) => {
        await sleep(400);
        await request.continue();
      });
      await page.getByLabel('Page', { exact: true }).selectOption('2');
      const content = page.getByTestId('content');
      await content.and(page.locator('[aria-label$="page 2"]')).waitFor();
      await content.getByText(pagePhrase(2)).first().waitFor();
      assert.doesNotMatch(await content.innerText(), new RegExp(pagePhrase(3)));
      await page.unroute(page2);
      assert.ok((await content.locator('p, h1, h2, h3, li').count()) > 0, 'Markdown is rendered');
      assert.equal(await content.locator('script, [style]').count(), 0);
      await page.getByRole('button', { name: 'Delete…' }).waitFor();
      await axeClean('document');
      await shot('document-page-2');
    });

    it(
      'asks for an encrypted PDF’s password and reprocesses it with it',
      { skip: !hasQpdf() && 'qpdf makes the encrypted fixture' },
      async () => {
        await page.goto(`${base}/console/#/upload`);
        const locked = await writeEncryptedPdf(tempDir(), 'open-sesame');
        await page.locator('#file-picker').setInputFiles(locked);
        const item = page.getByTestId('upload-item').filter({ hasText: 'encrypted.pdf' });
        await item.getByText('This document is encrypted').waitFor({ timeout: 30_000 });
        await item.getByLabel(/Password for/).fill('open-sesame');
        await axeClean('upload password');
        await item.getByRole('button', { name: 'Reprocess' }).click();
        await item.and(page.locator('[data-phase="ready"]')).waitFor({ timeout: 30_000 });
      },
    );

    it('searches a phrase, lands on its page, and reranks (degraded without a model)', async () => {
      await page.goto(`${base}/console/#/search`);
      await page.getByLabel('Search for').fill(pagePhrase(7));
      await page.getByRole('button', { name: 'Search' }).click();
      const first = page.getByTestId('search-result').first();
      await first.waitFor();
      assert.ok((await first.locator('mark').count()) > 0, 'matching words are highlighted');
      await axeClean('search');
      await shot('search');
      await first.getByRole('link', { name: 'Page 7' }).click();
      await page.getByTestId('content').getByText(pagePhrase(7)).first().waitFor();
      assert.match(page.url(), /page=7/);

      await page.goto(`${base}/console/#/search`);
      await page.getByLabel('Search for').fill(pagePhrase(7));
      await page.getByLabel('Rerank', { exact: true }).check();
      await page.getByLabel('Rerank method').selectOption('hybrid');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('search-meta').getByText('degraded').waitFor();
    });

    it('scores pasted passages in the rerank playground', async () => {
      await page.goto(`${base}/console/#/rerank`);
      await page.getByLabel('Query').fill('brown foxes');
      await page
        .getByLabel('Passages, one per line')
        .fill('Quiet brown foxes write documents.\nA lighthouse on the coast.\nFoxes are brown.');
      await page.getByRole('button', { name: 'Rerank' }).click();
      await page.getByTestId('rerank-row').nth(2).waitFor();
      assert.match(
        await page.getByTestId('rerank-meta').innerText(),
        /method lexical .* round trip \d+ ms/,
      );
      assert.doesNotMatch(await page.getByTestId('rerank-row').first().innerText(), /lighthouse/);
      await axeClean('rerank');
    });

    it('retries a dead job and cancels a running one', async () => {
      const dead = await submitText(t, 'QUIRE-FAULT:throw\n', 'broken.txt');
      assert.equal((await waitForJob(t, dead.job.id)).status, 'dead');
      const slow = await submitText(t, 'QUIRE-FAULT:slow 20000 10\n', 'long.txt');
      await waitForJob(t, slow.job.id, (job) => job.status === 'running');

      await page.goto(`${base}/console/#/jobs`);
      await page.getByLabel('Status').selectOption('dead');
      const deadRow = page.locator(`[data-job="${dead.job.id}"]`);
      await deadRow.waitFor();
      await axeClean('jobs');
      await shot('jobs-dead');
      await deadRow.getByRole('button', { name: /Retry/ }).click();
      await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();

      await page.getByLabel('Status').selectOption('running');
      const running = page.locator(`[data-job="${slow.job.id}"]`);
      await running.waitFor();
      await running.getByRole('button', { name: /Cancel/ }).click();
      await page.getByRole('status').filter({ hasText: 'cancelled' }).waitFor();
      assert.equal((await waitForJob(t, slow.job.id)).status, 'cancelled');
    });

    it('shows a read-only key no upload, retry or delete', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(readerKey);
      await page.getByRole('heading', { name: 'Documents' }).waitFor();
      await page.locator('.badge-readonly').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Upload' }).count(), 0);
      await page.goto(`${base}/console/#/upload`);
      await page.getByRole('heading', { name: 'Documents' }).waitFor();
      assert.equal(await page.locator('#file-picker').count(), 0);
      await page.getByTestId('document-row').first().getByRole('link').click();
      await page.getByRole('button', { name: 'Download original' }).waitFor();
      assert.equal(await page.getByRole('button', { name: /Delete|Reprocess/ }).count(), 0);
      await page.goto(`${base}/console/#/jobs`);
      await page.getByTestId('job-row').first().waitFor();
      assert.equal(await page.getByRole('button', { name: /Retry|Cancel/ }).count(), 0);
      await axeClean('read-only jobs');
    });

    it('fits a phone-width screen', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const view of ['documents', 'search', 'jobs', 'rerank']) {
        await page.goto(`${base}/console/#/${view}`);
        await page.locator('h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        assert.ok(overflow <= 1, `${view} scrolls sideways by ${overflow}px at 390 px`);
      }
      await page.goto(`${base}/console/#/documents`);
      await page.getByTestId('document-row').first().waitFor();
      await axeClean('phone documents');
      await shot('phone-documents');
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    it('broke no CSP rule and threw no error', () => {
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(pageErrors, []);
    });

    it('follows the address when it moves the moment the signed-in view appears', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.goto(`${base}/console/`);
      await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
      // The hash moves as soon as the header is in the page, before the view's effects have run
      // (a quick click on a link, a script): the console must show that view, not its first one.
      await page.evaluate(`new MutationObserver((_, observer) => {
        const buttons = [...document.querySelectorAll('button')];
        if (!buttons.some((button) => button.textContent === 'Sign out')) return;
        observer.disconnect();
        location.hash = '#/search';
      }).observe(document.body, { childList: true, subtree: true })`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Search for').waitFor({ timeout: 5_000 });
      assert.match(page.url(), /#\/search$/);
    });

    it('renders search results for the README’s picture (written to docs/ when asked)', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(TEST_ADMIN_KEY);
      // Signed in (the key checked) before moving on, or the search view is not there yet.
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.goto(`${base}/console/#/search`);
      await page.getByLabel('Search for').fill(pagePhrase(7));
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('search-result').first().waitFor();
      await page.setViewportSize({ width: 1000, height: 540 });
      // QUIRE_CONSOLE_README_SHOT=1 refreshes the README's picture from this same view.
      const shot = await page.screenshot(
        process.env.QUIRE_CONSOLE_README_SHOT === '1'
          ? { path: join(ROOT, 'docs', 'console.png') }
          : {},
      );
      assert.equal(shot.subarray(1, 4).toString('latin1'), 'PNG');
      assert.deepEqual([shot.readUInt32BE(16), shot.readUInt32BE(20)], [1000, 540]);
    });
  },
);

describe('the README’s picture of the console', () => {
  it('is docs/console.png, under 150 KB, shown in the Web console section', () => {
    const png = readFileSync(join(ROOT, 'docs', 'console.png'));
    assert.ok(png.length < 150 * 1024, `${png.length} bytes`);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /^## Web console\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    assert.match(section, /!\[[^\]]+\]\(docs\/console\.png\)/);
  });
});

describe('the console bundle', () => {
  it(`loads under ${JS_BUDGET_GZ / 1024} KB of gzipped JavaScript, nothing inline`, () => {
    ensureBuilt();
    const assets = join(DIST, 'assets');
    const sizes = readdirSync(assets).map((name) => ({
      name,
      gz: gzipSync(readFileSync(join(assets, name)), { level: 9 }).length,
    }));
    const js = sizes.filter((s) => s.name.endsWith('.js')).reduce((sum, s) => sum + s.gz, 0);
    assert.ok(js > 0 && js < JS_BUDGET_GZ, `${js} bytes of gzipped JavaScript`);
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style=/, 'no inline style');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
  });
});
