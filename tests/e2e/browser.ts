import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** The chromium binary: CHROMIUM_PATH when set (and only it), else `chromium` on PATH (Debian's package: /usr/bin/chromium). */
function findChromium(): string | undefined {
  const set = process.env.CHROMIUM_PATH;
  const candidates = set ? [set] : [...(process.env.PATH ?? "").split(delimiter).map((d) => d && join(d, "chromium")), "/usr/bin/chromium"];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

export const CHROMIUM = findChromium();

/**
 * Why the browser tests cannot run here, or undefined when they can. Only a laptop without chromium skips:
 * in CI (`CI` set, as .ci/run does after installing chromium) a missing browser fails the tests instead.
 */
export const browserSkipReason: string | undefined =
  CHROMIUM || process.env.CI ? undefined : "chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH); .ci/run installs it in CI";

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error("chromium was not found (set CHROMIUM_PATH, or apt-get install -y chromium)");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** Screenshots go under the test output directory (gitignored): test-results/e2e/<name>-<width>.png. */
export const SHOTS_DIR = join(process.cwd(), "test-results", "e2e");

/** Full-page screenshots of the current view at 1280 px and 390 px wide; returns the files written. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  const files: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    // a relayout is synchronous for the screenshot; uPlot follows its box through a ResizeObserver
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    const file = join(SHOTS_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(before);
  return files;
}

// A skipped file shows only its count in the default reporter: say why once per file.
if (browserSkipReason) process.stderr.write(`browser tests skipped: ${browserSkipReason}\n`);
