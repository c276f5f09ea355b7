import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/*
 * axe-core (Deque's accessibility engine, the one Lighthouse and most a11y tooling run) checks the page as
 * it is shown. The app's CSP forbids inline scripts, so its source is evaluated through the DevTools
 * protocol (page.evaluate), which the page's CSP does not govern. Only serious and critical violations fail
 * a test; the others are returned for a report.
 */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Every violation axe finds on the page as shown now (all its rules: WCAG 2.x A/AA and best practices). */
export async function findViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  // Evaluated in the page as a string: this file is typed for Node, without the DOM library.
  return page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((results) => results.violations.map((violation) => ({
    id: violation.id, impact: violation.impact || 'unknown', help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  })))`) as Promise<AxeViolation[]>;
}

/** The violations as lines a reader can act on: rule id, impact, what it asks, and the elements. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n    at ${violation.targets.slice(0, 6).join('\n    at ')}${violation.targets.length > 6 ? `\n    …and ${violation.targets.length - 6} more` : ''}`).join('\n');
}

/**
 * Fails, naming each rule and element, when axe finds a serious or critical violation on the screen shown.
 * Call it once a screen has loaded its data (wait for its table or form first): `await expectNoSeriousViolations(page, 'Balance sheet')`.
 * Resolves with the minor and moderate ones, which do not fail.
 */
export async function expectNoSeriousViolations(page: Page, screenName: string): Promise<AxeViolation[]> {
  const violations = await findViolations(page);
  const serious = violations.filter((violation) => FAILING_IMPACTS.has(violation.impact));
  expect(serious, `axe found serious or critical accessibility violations on the screen "${screenName}":\n${describeViolations(serious)}`).toEqual([]);
  return violations.filter((violation) => !FAILING_IMPACTS.has(violation.impact));
}
