// Screenshots of the main pages at desktop (1280 px) and phone (390 px) widths, for the README:
// a section, the task list, a section's history and the audit log, as the demo shows them.
// Not a test (run.sh does not run it). Against a freshly started app with the drafting demo:
//
//   ITF_DATA_DIR=/tmp/shots ITF_BIND=127.0.0.1:3999 ITF_DEMO_SIGN_OFF=false cargo run &
//   E2E_BASE_URL=http://127.0.0.1:3999 node tests/e2e/screenshots.mjs docs/screenshots
//
// The administrator sets up two-factor on the way (the demo's first sign-in asks for it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { enrolTwoFactor, freshContext, launchBrowser, signIn, url } from './support.mjs';

const out = process.argv[2] ?? 'docs/screenshots';
mkdirSync(out, { recursive: true });
const SECTION = '/areas/kent/plans/2014-16/sections/case-for-change';

async function shoot(page, name) {
  for (const [width, height, suffix] of [
    [1280, 900, 'desktop'],
    [390, 844, 'phone'],
  ]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(out, `${name}-${suffix}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

const browser = await launchBrowser();
try {
  const lead = await freshContext(browser);
  await signIn(lead.page, 'kent.lead@itf.example');
  await lead.page.goto(url('/areas/kent/plans/2014-16'));
  await shoot(lead.page, 'task-list');
  await lead.page.goto(url(SECTION));
  await shoot(lead.page, 'section');
  await lead.page.goto(url("/areas/kent/plans/2014-16/sections/vision/history"));
  await shoot(lead.page, 'history');
  await lead.context.close();

  const admin = await freshContext(browser);
  await signIn(admin.page, 'admin@itf.example');
  await enrolTwoFactor(admin.page, { checkAccessibility: false });
  await admin.page.goto(url('/admin/audit'));
  await shoot(admin.page, 'audit-log');
  await admin.context.close();
} finally {
  await browser.close();
}
console.log(`screenshots written to ${out}`);
