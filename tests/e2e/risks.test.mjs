// The shared risk register in a real browser: an officer opens Kent's register from the area page,
// adds a risk with mistakes, fixes them, sees it counted in the heat map and follows the cell to the
// filtered list, changes it and compares two versions, then opens the register as at yesterday;
// axe on every page on the way; then, on the plan's Risks and contingency section, sees the register
// in brief, links the risk and follows it to the risk's page, which names the section. The heat maps
// side by side on wide screens and stacked on narrow ones. Then the list, the as-at date form and
// the add form with JavaScript off (no inline script either).
// Accounts: kent.officer (Kent County Council) only signs in here and in accounts.test.mjs (which
// only signs in and out); no other browser test touches the risk register or the plan's Risks and
// contingency section.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectHeading,
  expectNoAxeViolations,
  findInlineScript,
  inFreshContext,
  launchBrowser,
  signIn,
  url,
} from './support.mjs';

const OFFICER = 'kent.officer@itf.example';
const REGISTER_PATH = '/areas/kent/risks';
const RISKS_SECTION_PATH = '/areas/kent/plans/2014-16/sections/risks-and-contingency';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

function pathOf(page) {
  return new URL(page.url()).pathname;
}


async function expectSuccess(page, message) {
  const banner = page.getByRole('alert').filter({ hasText: 'Success' });
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
}

/** The heat map table with this caption (current or residual). */
function heatMap(page, caption) {
  return page.locator('table.app-heat-map').filter({ has: page.locator('caption', { hasText: caption }) });
}

/** The cell of `map` for likelihood level `likelihood` and impact level `impact`. */
async function heatCell(map, likelihood, impact) {
  const headers = (await map.locator('thead th').allInnerTexts()).map((t) => t.trim());
  const column = headers.findIndex((h) => h.startsWith(`${impact} `));
  assert.ok(column >= 0, `no impact column ${impact} in ${JSON.stringify(headers)}`);
  const row = map.locator('tbody tr').filter({ has: map.page().locator('th', { hasText: new RegExp(`^${likelihood} `) }) });
  assert.equal(await row.count(), 1, `no single likelihood row ${likelihood}`);
  return row.locator('td').nth(column);
}

/** The count a heat map cell shows (its first line). */
async function cellCount(cell) {
  return Number.parseInt((await cell.innerText()).trim(), 10);
}

/** The rows of the risks table. */
function riskRows(page) {
  return page.locator('table#risks tbody tr');
}

describe('the risk register', () => {
  test('an officer adds a risk with mistakes, fixes them, finds it in the heat map, changes it and compares versions', async () => {
    const title = `Reablement capacity short over winter ${Date.now()}`;
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('main').getByRole('link', { name: 'Kent', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/areas/kent');
      await page.getByRole('main').getByRole('link', { name: 'Risk register', exact: true }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH);
      await expectHeading(page, 'Risk register');
      await page.getByRole('table', { name: /Open risks by band/ }).waitFor();
      const current = heatMap(page, 'Current risk');
      const residual = heatMap(page, 'Residual risk');
      await current.waitFor();
      await residual.waitFor();
      const before = await cellCount(await heatCell(current, 2, 4));
      // Each map fits its column: a wider one is overlapped by what stands beside it, its links unclickable.
      for (const map of [current, residual]) {
        const { table, column } = await map.evaluate((el) => ({
          table: el.getBoundingClientRect().width,
          column: el.parentElement.clientWidth,
        }));
        assert.ok(table <= column, `a heat map is ${table}px wide in a ${column}px column`);
      }
      await expectNoAxeViolations(page);

      // The form, then a first try with no title and shares that add up to 90%.
      await page.getByRole('button', { name: 'Add a risk' }).click();
      await page.waitForURL((u) => u.pathname === `${REGISTER_PATH}/new`);
      await expectHeading(page, 'Add a risk');
      await expectNoAxeViolations(page);

      const cause = 'Too few reablement staff to meet winter demand.';
      await page.getByLabel('Cause', { exact: true }).fill(cause);
      await page.getByLabel('Event', { exact: true }).fill('People wait in hospital for a reablement package.');
      await page.getByLabel('Effect', { exact: true }).fill('Delayed transfers of care rise; the payment for performance is lost.');
      await page.getByLabel('Category', { exact: true }).selectOption('operational');
      await page.locator('#owner_person').fill('Head of reablement');
      await page.getByLabel('Date raised', { exact: true }).fill('1/4/2014');
      await page.getByLabel('Likelihood', { exact: true }).selectOption('2');
      await page.getByLabel('Impact', { exact: true }).selectOption('4');
      await page.getByLabel('Residual likelihood', { exact: true }).selectOption('1');
      await page.getByLabel('Residual impact', { exact: true }).selectOption('4');
      await page.getByLabel('Next review date', { exact: true }).fill('1/7/2014');
      await page.getByLabel('Kent County Council', { exact: true }).fill('60');
      await page.getByLabel('NHS Thanet CCG', { exact: true }).fill('30');
      await page.getByLabel('Financial exposure in pounds (optional)').fill('£250,000');

      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Add the risk' }).click(),
      ]);
      assert.equal(refused.status(), 422, 'a form with mistakes should be answered 422');
      const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await summary.waitFor();
      assert.deepEqual(
        (await summary.getByRole('link').allInnerTexts()).map((t) => t.trim()),
        ['Enter a title', 'The shares add up to 90%: 10% is not yet shared'],
      );
      assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: "');
      assert.match((await page.locator('#title-error').innerText()).trim(), /Enter a title$/);
      const shareError = page.locator('.govuk-error-message').filter({ hasText: '10% is not yet shared' });
      assert.equal(await shareError.count(), 1, 'the shares message should be shown by the shares');
      // What was typed is kept.
      assert.equal(await page.getByLabel('Cause', { exact: true }).inputValue(), cause);
      assert.equal(await page.getByLabel('Likelihood', { exact: true }).inputValue(), '2');
      assert.equal(await page.getByLabel('Kent County Council', { exact: true }).inputValue(), '60');
      assert.equal(await page.getByLabel('NHS Thanet CCG', { exact: true }).inputValue(), '30');
      assert.equal(await page.getByLabel('Financial exposure in pounds (optional)').inputValue(), '£250,000');
      await expectNoAxeViolations(page);
      // The summary's link takes you to the title box.
      await summary.getByRole('link', { name: 'Enter a title' }).click();
      await assert.doesNotReject(page.getByLabel('Title', { exact: true }).evaluate((el) => {
        if (document.activeElement !== el) throw new Error('the title box is not focused');
      }));

      // Fixed: lands on the new risk with a success banner.
      await page.getByLabel('Title', { exact: true }).fill(title);
      await page.getByLabel('NHS Thanet CCG', { exact: true }).fill('40');
      await page.getByRole('button', { name: 'Add the risk' }).click();
      await page.waitForURL((u) => /^\/areas\/kent\/risks\/\d+$/.test(u.pathname));
      await expectSuccess(page, 'The risk has been added to the register');
      const riskPath = pathOf(page);
      const h1 = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
      const match = /^(R-\d+): (.*)$/.exec(h1);
      assert.ok(match, `unexpected h1 on the new risk: ${h1}`);
      const [, reference, shownTitle] = match;
      assert.equal(shownTitle, title);
      const details = page.locator('#details');
      assert.match(await details.innerText(), /Kent County Council 60%.*NHS Thanet CCG 40%|NHS Thanet CCG 40%.*Kent County Council 60%/s);
      assert.equal(await page.locator('#history tbody tr').count(), 1, 'a new risk has one version');
      await expectNoAxeViolations(page);

      // Counted in the heat map; the cell's link lists the risks in it.
      await page.getByRole('link', { name: 'Back to the risk register' }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH);
      const cell = await heatCell(heatMap(page, 'Current risk'), 2, 4);
      assert.equal(await cellCount(cell), before + 1, 'the heat map cell should count the new risk');
      await cell.getByRole('link').click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH && u.searchParams.get('likelihood') === '2');
      const listed = riskRows(page).filter({ hasText: title });
      assert.equal(await listed.count(), 1, 'the filtered list should show the new risk');
      assert.equal(await riskRows(page).count(), before + 1, 'the filtered list should show only the cell\'s risks');
      await expectNoAxeViolations(page);

      // Change it: likelihood 2 → 3.
      await listed.getByRole('link', { name: reference }).click();
      await page.waitForURL((u) => u.pathname === riskPath);
      await page.getByLabel('Likelihood', { exact: true }).selectOption('3');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL((u) => u.pathname === riskPath);
      await expectSuccess(page, 'Your changes to the risk have been saved');
      const history = page.locator('#history tbody tr');
      assert.equal(await history.count(), 2, 'the history should list both versions');
      assert.match(await history.nth(0).innerText(), /Current score/);
      await expectNoAxeViolations(page);

      // Compare version 1 with version 2.
      await page.getByLabel('From', { exact: true }).selectOption('1');
      await page.getByLabel('To', { exact: true }).selectOption('2');
      await page.getByRole('button', { name: 'Compare' }).click();
      await page.waitForURL((u) => u.pathname === `${riskPath}/compare`);
      await expectHeading(page, `${reference}: version 1 and version 2`);
      const changes = page.getByRole('table', { name: 'Fields that differ' });
      const rows = (await changes.locator('tbody tr th').allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(rows, ['Current score'], 'only the current score changed');
      await expectNoAxeViolations(page);

      // The heat map now counts it in likelihood 3.
      await page.goto(url(REGISTER_PATH));
      assert.equal(await cellCount(await heatCell(heatMap(page, 'Current risk'), 2, 4)), before);

      // The register as at yesterday (in London), through the date form: read-only, without
      // today's risk, linking back to today. A date that is not one first.
      const field = page.getByLabel('See the register as at a date', { exact: true });
      await field.fill('31/2/2014');
      await page.getByRole('button', { name: 'Show the register' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.match(await page.title(), /^Error: /);
      assert.match(await page.locator('#as_at-error').innerText(), /Enter the date as a real date/);
      await expectNoAxeViolations(page);
      const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000);
      const part = (options) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', ...options }).format(yesterday);
      const [day, month, year] = [part({ day: 'numeric' }), part({ month: 'numeric' }), part({ year: 'numeric' })];
      await field.fill(`${day}/${month}/${year}`);
      await page.getByRole('button', { name: 'Show the register' }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH && u.searchParams.has('as_at'));
      await expectHeading(page, `Risk register as at ${part({ day: 'numeric', month: 'long', year: 'numeric' })}`);
      assert.equal(await page.getByRole('button', { name: 'Add a risk' }).count(), 0, 'the past is read-only');
      assert.equal(await riskRows(page).filter({ hasText: title }).count(), 0, "today's risk was not there yesterday");
      await heatMap(page, 'Current risk').waitFor();
      await expectNoAxeViolations(page);
      await page.getByRole('link', { name: 'See the register today' }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH && !u.search);
      await expectHeading(page, 'Risk register');

      // The plan's Risks and contingency section: the register in brief, then the new risk linked
      // to it, and from there to the risk, which names the section.
      await page.goto(url(RISKS_SECTION_PATH));
      await expectHeading(page, 'Risks and contingency');
      const brief = page.locator('#register-summary');
      assert.match(await brief.innerText(), /\d+ open risks?; \d+ overdue for review\./);
      await brief.getByRole('table', { name: 'Open risks by band' }).waitFor();
      await brief.getByRole('link', { name: 'See the whole risk register' }).waitFor();
      await expectNoAxeViolations(page);
      const linked = page.getByRole('table', { name: 'Risks linked to Risks and contingency' });
      assert.equal(await linked.locator('tbody tr').filter({ hasText: title }).count(), 0, 'not linked yet');
      await page.getByLabel('Link a risk from the register').selectOption(reference.slice(2).replace(/^0/, ''));
      await page.getByRole('button', { name: 'Link the risk' }).click();
      await page.waitForURL((u) => u.pathname === RISKS_SECTION_PATH);
      await expectSuccess(page, 'The risk has been linked to this section');
      const row = linked.locator('tbody tr').filter({ hasText: title });
      assert.equal(await row.count(), 1, 'the section lists the risk linked');
      assert.match(await row.innerText(), /High/, 'with its band');
      await row.getByRole('button', { name: `Unlink ${reference}` }).waitFor();
      await expectNoAxeViolations(page);
      await row.getByRole('link', { name: reference }).click();
      await page.waitForURL((u) => u.pathname === riskPath);
      await page.locator('#linked-sections').getByRole('link', { name: 'Risks and contingency' }).click();
      await page.waitForURL((u) => u.pathname === RISKS_SECTION_PATH);
      await page.goBack();
      await page.waitForURL((u) => u.pathname === riskPath);
      await expectNoAxeViolations(page);
    });
  });

  test('the heat maps stand side by side on a wide screen and one above the other on a narrow one, and the list of risks stays within the page', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      for (const [width, sideBySide] of [[1280, true], [1024, false], [375, false]]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(url(REGISTER_PATH));
        const boxes = [];
        for (const caption of ['Current risk', 'Residual risk']) {
          boxes.push(await heatMap(page, caption).boundingBox());
        }
        const [current, residual] = boxes;
        if (sideBySide) {
          assert.equal(current.y, residual.y, `at ${width}px the maps should be side by side`);
          assert.ok(current.x + current.width <= residual.x, `at ${width}px the maps should not overlap`);
        } else {
          assert.ok(residual.y >= current.y + current.height, `at ${width}px the maps should be stacked`);
        }
        // Each map stays within the page: a wider one scrolls inside its own box, not the page.
        const overflow = await page.evaluate(() => Math.max(
          ...[...document.querySelectorAll('.app-heat-maps, .app-heat-maps__map')]
            .map((box) => box.getBoundingClientRect().right - document.documentElement.clientWidth),
        ));
        assert.ok(overflow <= 0, `at ${width}px a heat map reaches ${overflow}px past the page's edge`);
        // Nor does the list of risks: it scrolls inside its own box.
        const listOverflow = await page.evaluate(
          () => document.querySelector('.app-table-scroll').getBoundingClientRect().right
            - document.documentElement.clientWidth,
        );
        assert.ok(listOverflow <= 0, `at ${width}px the list of risks reaches ${listOverflow}px past the page's edge`);
        await expectNoAxeViolations(page);
      }
    });
  });

  test('with JavaScript off, the register lists risks and a risk can be added', async () => {
    const title = `Care home fees rise above the fund ${Date.now()}`;
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await page.goto(url(REGISTER_PATH));
      await expectHeading(page, 'Risk register');
      assert.ok((await riskRows(page).count()) > 0, 'the demo register should list risks');
      await heatMap(page, 'Current risk').waitFor();
      assert.deepEqual(await findInlineScript(page), [], 'the register page has inline script');
      // The date form is a plain GET form.
      await page.getByLabel('See the register as at a date', { exact: true }).fill('4/12/2013');
      await page.getByRole('button', { name: 'Show the register' }).click();
      await page.waitForURL((u) => u.searchParams.get('as_at') === '4/12/2013');
      await expectHeading(page, 'Risk register as at 4 December 2013');
      await page.getByRole('link', { name: 'See the register today' }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH && !u.search);

      await page.getByRole('button', { name: 'Add a risk' }).click();
      await page.waitForURL((u) => u.pathname === `${REGISTER_PATH}/new`);
      assert.deepEqual(await findInlineScript(page), [], 'the new-risk form has inline script');
      // A mistake first: the form comes back with the message and what was typed.
      await page.getByLabel('Title', { exact: true }).fill(title);
      await page.getByRole('button', { name: 'Add the risk' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.match(await page.title(), /^Error: /);
      assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), title);

      await page.getByLabel('Cause', { exact: true }).fill('Fee negotiations with providers.');
      await page.getByLabel('Event', { exact: true }).fill('Care home fees rise by more than planned.');
      await page.getByLabel('Effect', { exact: true }).fill('Less money for community services.');
      await page.getByLabel('Category', { exact: true }).selectOption('financial');
      await page.locator('#owner_person').fill('Director of adult social care');
      await page.getByLabel('Date raised', { exact: true }).fill('2/4/2014');
      await page.getByLabel('Likelihood', { exact: true }).selectOption('3');
      await page.getByLabel('Impact', { exact: true }).selectOption('3');
      await page.getByLabel('Residual likelihood', { exact: true }).selectOption('2');
      await page.getByLabel('Residual impact', { exact: true }).selectOption('3');
      await page.getByLabel('Next review date', { exact: true }).fill('1/10/2014');
      await page.getByRole('button', { name: 'Add the risk' }).click();
      await page.waitForURL((u) => /^\/areas\/kent\/risks\/\d+$/.test(u.pathname));
      await expectSuccess(page, 'The risk has been added to the register');
      assert.match((await page.getByRole('heading', { level: 1 }).innerText()).trim(), new RegExp(`^R-\\d+: ${title}$`));
    }, { contextOptions: { javaScriptEnabled: false } });
  });
});
