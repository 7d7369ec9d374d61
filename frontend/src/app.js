// itf-planner: progressive enhancement only; every journey works without it.
// Loaded as <script type="module" src="/static/app.js"> (same origin, no inline
// script, so the CSP can stay `script-src 'self'`). Module scripts only run in
// browsers that GOV.UK Frontend supports, which is what the inline snippet in
// GOV.UK's page template checks with 'noModule' in HTMLScriptElement.prototype.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
