// The public pages in a real browser: help, the accessibility statement, the privacy notice and
// the cookies page, each opened from the footer by a visitor and by a signed-in officer, axe clean
// and without sideways scrolling at desktop and phone widths, the footer and the service
// navigation marking the current page; a deep link that survives failed sign-ins; the page a GET
// on a form's address gets.
// Accounts: rotherham.officer@itf.example (signs in, and fails to), kent.ccg.officer@itf.example.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  expectHeading,
  expectNoAxeViolations,
  expectNoSidewaysScroll,
  expectWithinWidth,
  inFreshContext,
  launchBrowser,
  signIn,
  url,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const PAGES = [
  { link: 'Help', path: '/help', heading: 'Help with ITF planner' },
  { link: 'Accessibility statement', path: '/accessibility', heading: 'Accessibility statement for ITF planner' },
  { link: 'Privacy', path: '/privacy', heading: 'Privacy notice' },
  { link: 'Cookies', path: '/cookies', heading: 'Cookies' },
];

const WIDTHS = [1280, 390];

function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** Opens each public page from the footer, at each width, and checks it. */
async function visitEachFromTheFooter(page) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const { link, path, heading } of PAGES) {
      const footer = page.getByRole('contentinfo');
      await footer.getByRole('link', { name: link, exact: true }).click();
      await page.waitForURL((u) => u.pathname === path);
      await expectHeading(page, heading);
      // The footer marks this page as the current one, and no other.
      const current = page.getByRole('contentinfo').locator('[aria-current="page"]');
      assert.equal(await current.count(), 1, `${path}: one current link in the footer`);
      assert.equal(await current.getAttribute('href'), path);
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
    }
  }
}

describe('public pages', () => {
  test('a visitor opens each page from the footer, at desktop and phone widths', async () => {
    await inFreshContext(browser, async (page) => {
      await page.goto(url('/'));
      await visitEachFromTheFooter(page);
      // The cookies page names the cookies this browser holds.
      await page.goto(url('/sign-in'));
      const held = (await page.context().cookies()).map((cookie) => cookie.name);
      assert.ok(held.length > 0, 'the sign-in page sets its form cookie');
      await page.goto(url('/cookies'));
      const listed = await page.locator('#cookies-table tbody th code').allInnerTexts();
      for (const name of held) {
        assert.ok(listed.includes(name), `the cookies page lists ${name}: ${listed.join(', ')}`);
      }
    });
  });

  test('a signed-in officer opens them too, and the navigation marks where they are', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'kent.ccg.officer@itf.example');
      await page.waitForURL((u) => u.pathname === '/');
      await visitEachFromTheFooter(page);
      assert.equal(await page.getByRole('navigation', { name: 'Menu' }).getByRole('button', { name: 'Sign out' }).count(), 1);

      await page.setViewportSize({ width: 1280, height: 900 });
      const nav = page.getByRole('navigation', { name: 'Menu' });
      await nav.getByRole('link', { name: /^Notifications/ }).click();
      await page.waitForURL((u) => u.pathname === '/notifications');
      const current = nav.locator('[aria-current]');
      assert.equal(await current.count(), 1, 'one link marked');
      assert.equal(await current.getAttribute('aria-current'), 'page');
      assert.match(await current.innerText(), /^Notifications/);
      assert.match(
        (await current.locator('xpath=..').getAttribute('class')) ?? '',
        /\bgovuk-service-navigation__item--active\b/,
      );
      await expectNoAxeViolations(page);

      // A page below "Your account": its link is active, not the current page.
      await page.goto(url('/account/notifications'));
      const account = nav.getByRole('link', { name: /^Your account/ });
      assert.equal(await account.getAttribute('aria-current'), 'true');
      await expectNoAxeViolations(page);
    });
  });

  test('on a phone, the tables of a section\'s history and of your account stack their rows', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'kent.ccg.officer@itf.example');
      await page.waitForURL((u) => u.pathname === '/');
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path, table, actions] of [
        ['/areas/kent/plans/2014-16/sections/vision/history', '#versions', null],
        ['/account', '#sessions', '#trusted-browsers button'],
      ]) {
        await page.goto(url(path));
        await page.locator(table).waitFor();
        await expectNoSidewaysScroll(page);
        if (actions) await expectWithinWidth(page, page.locator(actions));
        // Each cell says which column it is in.
        const labels = await page.locator(`${table} tbody td[data-label]:not([data-label=""])`).evaluateAll((cells) =>
          cells.map((cell) => getComputedStyle(cell, '::before').content),
        );
        assert.ok(labels.length > 0 && labels.every((label) => label !== 'none' && label !== ''), `${path}: ${labels}`);
        await expectNoAxeViolations(page);
      }
      // At desktop width the same tables are ordinary tables again.
      await page.setViewportSize({ width: 1280, height: 900 });
      assert.equal(await page.locator('#sessions thead').isVisible(), true);
      await expectNoAxeViolations(page);
    });
  });

  test('a deep link survives failed sign-ins', async () => {
    await inFreshContext(browser, async (page) => {
      const deepLink = '/areas/rotherham/plans/2014-16';
      await page.goto(url(deepLink));
      await page.waitForURL((u) => u.pathname === '/sign-in');
      assert.equal(new URL(page.url()).searchParams.get('next'), deepLink);

      for (const wrong of ['not-the-password', 'still-not-the-password']) {
        await page.getByLabel('Email address').fill('rotherham.officer@itf.example');
        await page.getByLabel('Password').fill(wrong);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
        await expectNoAxeViolations(page);
      }
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === deepLink);
      assert.equal(pathOf(page), deepLink);
      await page.getByRole('heading', { level: 1 }).waitFor();
      assert.match(await page.getByRole('main').innerText(), /Rotherham/);
    }, { expectedStatuses: [422] });
  });

  test('opening the address a form posts to gives a page with a way back', async () => {
    await inFreshContext(browser, async (page) => {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const response = await page.goto(url('/sign-out'));
        assert.equal(response.status(), 405);
        await expectHeading(page, 'This page cannot be opened directly');
        await expectNoAxeViolations(page);
      }
      await page.getByRole('main').getByRole('link', { name: 'Go to the start page' }).click();
      await page.waitForURL((u) => u.pathname === '/');
    }, { expectedStatuses: [405] });
  });
});
