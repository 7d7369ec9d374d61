// An area's deadlines in a real browser: the Kent area lead opens them from the area page, adds a
// local deadline with mistakes (no title, 31 February), fixes them with what was typed kept, sees
// it amber and due in 5 days, records it done by hand and sees it green and met. axe on each page.
// Then calendar feeds, personal (kent.thanet.officer) and the area's (the lead): made, read as
// iCalendar, replaced, the old address dead at once; axe at 1280 and 390 px.
// Account: kent.lead (drafting.test.mjs signs in as the lead too, in its own browser context).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectHeading, expectNoAxeViolations, expectNoSidewaysScroll, inFreshContext, launchBrowser, signIn } from './support.mjs';

const LEAD = 'kent.lead@itf.example';
const DEADLINES = '/areas/kent/deadlines';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});


/** Day, month and year (numbers as typed) of `days` from today, in England. */
function inEngland(days) {
  const at = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'numeric', year: 'numeric' })
    .formatToParts(at);
  const part = (type) => parts.find((p) => p.type === type).value;
  return { day: part('day'), month: part('month'), year: part('year') };
}

/** The deadline's row: its title in the row header. */
function row(page, title) {
  return page.locator('#deadlines tbody tr').filter({ has: page.getByRole('rowheader', { name: title }) });
}

describe('area deadlines', () => {
  test('the lead adds a local deadline with mistakes, fixes them, then records it done', async () => {
    const title = 'Risk register to the January board';
    const notes = 'Brought by the council risk manager';
    await inFreshContext(browser, async (page) => {
      await signIn(page, LEAD);
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('main').getByRole('link', { name: 'Kent', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/areas/kent');
      await page.getByRole('main').getByRole('link', { name: 'Deadlines', exact: true }).click();
      await page.waitForURL((u) => u.pathname === DEADLINES);
      await expectHeading(page, 'Deadlines');
      await expectNoAxeViolations(page);

      await page.getByRole('button', { name: 'Add a deadline' }).click();
      await page.waitForURL((u) => u.pathname === `${DEADLINES}/new`);
      await expectNoAxeViolations(page);
      // Mistakes: no title, a day that does not exist, nothing chosen to meet it.
      const due = page.getByRole('group', { name: 'Due date' });
      await due.getByLabel('Day').fill('31');
      await due.getByLabel('Month').fill('2');
      await due.getByLabel('Year').fill(inEngland(0).year);
      await page.getByLabel('Notes (optional)').fill(notes);
      await page.getByRole('button', { name: 'Add the deadline' }).click();
      const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await summary.waitFor();
      const problems = (await summary.getByRole('link').allInnerTexts()).map((t) => t.trim());
      assert.ok(problems.some((p) => /^Enter a title/.test(p)), `no title error: ${problems}`);
      assert.ok(problems.includes('Enter a real date'), `no date error: ${problems}`);
      assert.match(await page.title(), /^Error: /);
      assert.equal(await page.getByLabel('Notes (optional)').inputValue(), notes, 'the notes were not kept');
      assert.equal(await due.getByLabel('Day').inputValue(), '31', 'the day typed was not kept');
      await expectNoAxeViolations(page);

      // Fixed: due in five days, recorded done by hand.
      const fiveDays = inEngland(5);
      await page.getByLabel('Title').fill(title);
      await due.getByLabel('Day').fill(fiveDays.day);
      await due.getByLabel('Month').fill(fiveDays.month);
      await due.getByLabel('Year').fill(fiveDays.year);
      await page.getByRole('group', { name: 'What meets it' }).getByRole('radio', { name: 'Recorded as done by the area lead' }).check();
      await page.getByRole('button', { name: 'Add the deadline' }).click();
      await page.waitForURL((u) => u.pathname === DEADLINES);
      const added = row(page, title);
      await added.waitFor();
      assert.match(await added.innerText(), /Amber/);
      assert.match(await added.innerText(), /Due in 5 days/);
      assert.match(await added.innerText(), /Not met/);
      await expectNoAxeViolations(page);

      await added.getByRole('link', { name: /^Record as done/ }).click();
      await expectHeading(page, `Record as done: ${title}`);
      await expectNoAxeViolations(page);
      await page.getByLabel('Note (optional)').fill('Sent to the board secretary');
      await page.getByRole('button', { name: 'Record as done' }).click();
      await page.waitForURL((u) => u.pathname === DEADLINES);
      const done = row(page, title);
      assert.match(await done.innerText(), /Green/);
      assert.match(await done.innerText(), /\bMet\b/);
      assert.match(await done.innerText(), /Kent area lead/);
      await done.getByRole('button', { name: /^Undo done/ }).waitFor();
      await expectNoAxeViolations(page);
    });
  });

  test('calendar feeds: made, read as iCalendar, replaced, and the old address dead', async () => {
    for (const [account, path, heading] of [
      ['kent.thanet.officer@itf.example', '/account/calendar', 'Your calendar feed'],
      [LEAD, '/areas/kent/calendar', "Calendar feed of the area's deadlines"],
    ]) {
      await inFreshContext(browser, async (page) => {
        await signIn(page, account);
        await page.waitForURL((u) => u.pathname === '/');
        await page.goto(new URL(path, page.url()).href);
        await expectHeading(page, heading);
        await expectNoAxeViolations(page);
        const make = page.getByRole('button', { name: /^(Create the feed address|Make a new feed address)$/ });
        await make.click();
        await page.getByText('Your new calendar feed address is ready').waitFor();
        const first = await page.getByLabel('Calendar feed address').inputValue();
        await expectNoAxeViolations(page);
        await page.setViewportSize({ width: 390, height: 844 });
        await expectNoSidewaysScroll(page);
        await expectNoAxeViolations(page);
        await page.setViewportSize({ width: 1280, height: 720 });

        const feed = await page.request.get(first);
        assert.equal(feed.status(), 200, `${first} is read`);
        assert.match(feed.headers()['content-type'], /^text\/calendar/);
        assert.match(await feed.text(), /^BEGIN:VCALENDAR/);

        await page.getByRole('button', { name: 'Make a new feed address' }).click();
        await page.getByText('Your new calendar feed address is ready').waitFor();
        const second = await page.getByLabel('Calendar feed address').inputValue();
        assert.notEqual(second, first);
        assert.equal((await page.request.get(first)).status(), 404, 'the old address stops working at once');
        assert.equal((await page.request.get(second)).status(), 200);
      });
    }
  });
});

