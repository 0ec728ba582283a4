import { type Browser, chromium } from 'playwright-core';

/** The Chromium the browser tests drive (`.ci/run` sets TEST_CHROMIUM); none, they skip. */
export const chromiumPath = process.env.TEST_CHROMIUM;

/** A headless Chromium as the browser tests use it: root in CI needs --no-sandbox. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'], timeout: 60_000 });
}
