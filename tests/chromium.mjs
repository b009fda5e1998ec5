// How the tests' Node drivers start Debian's headless Chromium (/usr/bin/chromium) with
// playwright-core: the web console's (tests/console/driver.mjs), the Playwright example's
// (tests/seeds/browser/browser.mjs) and the Pusher matrix's (tests/matrix/pusher/js/
// browser.mjs). Each passes the chromium of the playwright-core installed in its folder.
// tests/chromium.py is the Python side.
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // Chromium's background services would try the (closed) network at every start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
