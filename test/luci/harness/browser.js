'use strict';
/*
 * Headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM) driven by
 * playwright-core, and a page opener that collects everything that went
 * wrong: uncaught errors and unhandled rejections, console errors, failed
 * requests and HTTP errors.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const executable = process.env.CHROMIUM || '/usr/bin/chromium';

/* screenshots go to $WGOWRT_SCREENSHOTS or a fresh temp dir */
const shots = process.env.WGOWRT_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'wgowrt-luci-shots-'));
fs.mkdirSync(shots, { recursive: true });

/* launch starts Chromium; only host (default 127.0.0.1) can be reached */
async function launch(host) {
	host = host || '127.0.0.1';
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wgowrt-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: executable,
		headless: true,
		args: [ '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync' ],
		viewport: { width: 1200, height: 900 }
	});
	/* nothing leaves localhost */
	const allowed = new RegExp('^(?!http://' + host.replace(/\./g, '\\.') + '[:/]|data:|about:)');
	await context.route(allowed, (route) => route.abort('blockedbyclient'));
	return {
		context,
		close: async () => {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		}
	};
}

/* open loads a wgowrt page and waits for the view's first render */
async function open(browser, server, name, opts) {
	const page = await browser.context.newPage();
	if (opts && opts.init)
		await page.addInitScript(opts.init);
	const problems = [];
	page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
	page.on('console', (m) => { if (m.type() == 'error') problems.push('console: ' + m.text()) });
	page.on('requestfailed', (r) => problems.push('request failed: ' + r.url() + ' ' + (r.failure() || {}).errorText));
	page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ': ' + r.url()) });
	await page.goto(server.url + '/cgi-bin/luci/admin/services/wgowrt/' + name);
	await page.waitForFunction(() => window.__luci && window.__luci.booted);
	await page.evaluate(() => window.__luci.booted.catch(() => {}));
	/* every problem the page met: the listeners' and the page's own */
	page.problems = async () => problems.concat(await page.evaluate(() => window.__luci.errors));
	page.shot = async (file, opts) => {
		const f = path.join(shots, file);
		await page.screenshot(Object.assign({ path: f, fullPage: true }, opts));
		return f;
	};
	return page;
}

module.exports = { launch, open, executable, shots };
