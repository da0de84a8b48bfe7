// The part of playwright-core's API the e2e driver uses. playwright-core is installed into
// the e2e cache by scripts/e2e-setup.mjs, not into node_modules, so its own types are not
// at hand when the driver is type-checked; this declares what run.mjs relies on.

declare module 'playwright-core' {
  export interface Locator {
    filter(options: { hasText: string }): Locator;
    first(): Locator;
    waitFor(options?: { timeout?: number }): Promise<void>;
    allInnerTexts(): Promise<string[]>;
    click(options?: { timeout?: number }): Promise<void>;
    isVisible(): Promise<boolean>;
  }

  export interface FrameLocator {
    frameLocator(selector: string): FrameLocator;
    locator(selector: string): Locator;
  }

  export interface Keyboard {
    type(text: string): Promise<void>;
    press(key: string): Promise<void>;
  }

  export interface JSHandle<T> {
    jsonValue(): Promise<T>;
  }

  export interface Page {
    goto(url: string): Promise<unknown>;
    screenshot(options: { path: string }): Promise<Buffer>;
    waitForFunction<R, A>(fn: (arg: A) => R, arg: A, options?: { timeout?: number }): Promise<JSHandle<NonNullable<R>>>;
    locator(selector: string): Locator;
    frameLocator(selector: string): FrameLocator;
    readonly keyboard: Keyboard;
    on(event: 'pageerror', listener: (error: Error) => void): void;
  }

  export interface BrowserContext {
    pages(): Page[];
    newPage(): Promise<Page>;
    exposeFunction(name: string, fn: (...args: any[]) => unknown): Promise<void>;
    close(): Promise<void>;
  }

  export interface BrowserType {
    launchPersistentContext(
      userDataDir: string,
      options: { executablePath: string; headless: boolean; args: string[]; viewport: { width: number; height: number } },
    ): Promise<BrowserContext>;
  }

  export const chromium: BrowserType;
}
