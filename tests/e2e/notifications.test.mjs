// Notifications in a real browser: a Rotherham officer mentions a colleague by @name in a
// comment; the colleague sees the unread count in the navigation, opens the notifications page,
// opens the mention and lands on the comment, then chooses immediate email. axe on each page, at
// desktop and phone widths.
// Accounts: rotherham.council.officer (writes) and rotherham.officer (is mentioned); no other
// browser test uses them on this section.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectHeading, expectNoAxeViolations, inFreshContext, launchBrowser, signIn } from './support.mjs';

const AUTHOR = 'rotherham.council.officer@itf.example';
const MENTIONED = 'rotherham.officer@itf.example';
const SECTION = '/areas/rotherham/plans/2025-26/sections/hospital-to-home';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('notifications', () => {
  test('a mention reaches the colleague, who opens it and chooses immediate email', async () => {
    const comment = `@rotherham.officer can you check the discharge figures? (${Date.now()})`;
    await inFreshContext(browser, async (page) => {
      await signIn(page, AUTHOR);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(new URL(SECTION, page.url()).href);
      await page.getByLabel('Add a comment').fill(comment);
      await page.getByRole('button', { name: 'Add comment' }).click();
      await page.waitForURL((u) => u.pathname === SECTION);
    });

    for (const width of [1280, 390]) {
      await inFreshContext(browser, async (page) => {
        await page.setViewportSize({ width, height: 900 });
        await signIn(page, MENTIONED);
        await page.waitForURL((u) => u.pathname === '/');
        const navigation = page.getByRole('navigation', { name: 'Menu' });
        const link = navigation.getByRole('link', { name: /^Notifications/ });
        // On a phone the menu is behind its toggle.
        if (!(await link.isVisible())) {
          await page.getByRole('button', { name: /Menu/ }).click();
        }
        if (width === 1280) {
          assert.match(await link.innerText(), /\d+\s*unread|\d+/, 'an unread count is shown');
        }
        await link.click();
        await page.waitForURL((u) => u.pathname === '/notifications');
        await expectHeading(page, 'Notifications');
        await expectNoAxeViolations(page);
        if (width !== 1280) return;

        const mention = page.getByRole('button', { name: /mentioned you on Objective 2: the shift from hospital to home \(Rotherham\)/ }).first();
        await mention.click();
        await page.waitForURL((u) => u.pathname === SECTION);
        assert.match(page.url(), /#comment-\d+$/, 'lands on the comment');
        await page.getByText(comment).first().waitFor();

        await page.goto(new URL('/account/notifications', page.url()).href);
        await expectHeading(page, 'Your email settings');
        await expectNoAxeViolations(page);
        await page.getByRole('radio', { name: /^At once for things for me to do/ }).check();
        await page.getByLabel('Time of your daily digest').selectOption('7');
        await page.getByRole('button', { name: 'Save your email settings' }).click();
        await page.waitForURL((u) => u.pathname === '/account/notifications');
        await page.getByText('Your email settings are saved').waitFor();
        assert.equal(await page.getByLabel('Time of your daily digest').inputValue(), '7');
        await expectNoAxeViolations(page);
      });
    }
  });
});
