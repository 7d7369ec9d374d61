// Exporting and importing the risk register in a real browser: Rotherham's lead downloads the
// register as Excel from the register page and uploads it unchanged (nothing to change), uploads a
// file with a missing column (the message by the file field), then a CSV adding a risk: the
// preview, applying it, the risk in the register. axe on every page on the way; the upload form
// works with JavaScript off (its CSRF token travels in its address).
// Accounts: rotherham.lead only signs in here; no other browser test uses it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNoAxeViolations, expectNoPageErrors, launchBrowser, openPage, signIn, url } from './support.mjs';

const LEAD = 'rotherham.lead@itf.example';
const REGISTER_PATH = '/areas/rotherham/risks';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Clicks the button and waits for the navigation it starts; returns the response. */
async function submit(page, name) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
    page.getByRole('button', { name }).click(),
  ]);
  return response;
}

/** A CSV of the register's own headings (taken from its export) and one new risk. */
function csvAddingOneRisk(exported, title) {
  const headings = exported.replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');
  const values = {
    Title: title,
    Cause: 'Fewer people than planned leave hospital with reablement',
    Event: 'Delayed transfers of care rise',
    Effect: 'The payment for performance is lost',
    Category: 'Operational',
    'Owner organisation': 'Rotherham Metropolitan Borough Council',
    Owner: 'Head of reablement',
    'Date raised': '1/4/2014',
    Likelihood: '3',
    Impact: '4',
    'Residual likelihood': '2',
    'Residual impact': '3',
    'Review date': '1/7/2014',
    Status: 'Open',
    'Financial exposure (£)': '250000',
  };
  const row = headings.map((heading) => values[heading] ?? '');
  return `${headings.join(',')}\r\n${row.join(',')}\r\n`;
}

describe('exporting and importing the risk register', () => {
  test('the lead downloads the register, re-imports it unchanged, is told of a bad file, then adds a risk by import', async (t) => {
    const { context, page, errors } = await openPage(browser, { acceptDownloads: true });
    t.after(() => context.close());
    await signIn(page, LEAD);
    await page.waitForURL((u) => u.pathname === '/');
    await page.goto(url(REGISTER_PATH));
    const transfer = page.locator('#transfer');
    await transfer.waitFor();
    await expectNoAxeViolations(page);

    // Excel, downloaded and uploaded as it is.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      transfer.getByRole('link', { name: 'Excel workbook' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^rotherham-risk-register-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const workbook = await download.path();
    await transfer.getByRole('link', { name: 'Import risks from a file' }).click();
    await page.waitForURL((u) => u.pathname === `${REGISTER_PATH}/import`);
    await expectNoAxeViolations(page);
    await page.getByLabel('The register file').setInputFiles(workbook);
    assert.equal((await submit(page, 'Preview the import')).status(), 200);
    assert.match(await page.locator('#nothing-to-change').innerText(), /Nothing to change/);
    await expectNoAxeViolations(page);

    // A file without most of the register's columns: the message by the file field.
    await page.getByLabel('The register file').setInputFiles({
      name: 'notes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Title,Colour\r\nA risk,Red\r\n'),
    });
    assert.equal((await submit(page, 'Preview the import')).status(), 422);
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('#file-error').innerText(), /column the register does not know: “Colour”/);
    await expectNoAxeViolations(page);

    // A CSV adding one risk: previewed, then applied.
    // (Fetched with the page's cookies, as the link would.)
    const exported = await (await page.request.get(url(`${REGISTER_PATH}/export.csv`))).text();
    const title = `Reablement falls short ${Date.now()}`;
    await page.goto(url(`${REGISTER_PATH}/import`));
    await page.getByLabel('The register file').setInputFiles({
      name: 'new-risk.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csvAddingOneRisk(exported, title)),
    });
    // Kept for the preview, which the upload redirects to.
    assert.equal((await submit(page, 'Preview the import')).status(), 303);
    await page.waitForURL((u) => /^\/areas\/rotherham\/risks\/import\/\d+$/.test(u.pathname));
    assert.match(await page.locator('#import-summary').innerText(), /1 risk to add/);
    assert.match(await page.locator('#additions').innerText(), new RegExp(title));
    await expectNoAxeViolations(page);
    await submit(page, 'Apply the import');
    await page.waitForURL((u) => u.pathname === REGISTER_PATH);
    assert.match(await page.getByRole('alert').filter({ hasText: 'Success' }).innerText(), /The import has been applied/);
    assert.match(await page.locator('table#risks').innerText(), new RegExp(title));
    expectNoPageErrors(errors.filter((error) => !/status of 422/.test(error)));
  });

  test('the upload form works with JavaScript off', async (t) => {
    const { context, page } = await openPage(browser, { javaScriptEnabled: false });
    t.after(() => context.close());
    await signIn(page, LEAD);
    await page.goto(url(`${REGISTER_PATH}/import`));
    await page.getByLabel('The register file').setInputFiles({
      name: 'empty.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(''),
    });
    assert.equal((await submit(page, 'Preview the import')).status(), 422);
    assert.match(await page.locator('#file-error').innerText(), /The file is empty/);
  });
});
