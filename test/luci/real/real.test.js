'use strict';
/*
 * luci-app-wgowrt in a real LuCI (test/luci/real/run.sh sets the stage):
 * an OpenWrt container with procd, rpcd, uhttpd + LuCI, netifd and fw4,
 * wgowrt and luci-app-wgowrt installed with opkg. Nothing is run by hand
 * inside after the install: every change goes through the pages, LuCI's
 * Save & Apply (rpcd's uci apply with rollback) and procd's triggers
 * (reload_config -> netifd, firewall, and wgowrt's sync service).
 *
 * The tests run in order and build on each other: log in; the three pages
 * load without console errors; create a server; add a peer (QR scanned
 * back); Save & Apply and confirm; the config files, `wg show` and the
 * page agree; a rolled-back apply leaves the old config and interface;
 * hostile text (an import error, a peer name, a stored description) is
 * shown as text; a hand-made wg1 adopted and removed from the Overview
 * (applied from LuCI's header indicator); the read role cannot read
 * network's keys.
 */
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const browser = require('../harness/browser.js');
const { PAYLOAD, init, check } = require('../harness/hostile.js');

const HOST = '192.168.1.1';
const URL = `http://${HOST}`;
const BOX = process.env.WGOWRT_LUCI_BOX;
const PASSWORD = 'owrt-harness';

/* box runs a shell command inside the container */
function box(cmd, input) {
	return execFileSync(process.env.OWRT_BOOT, [ BOX, 'exec', 'sh', '-c', cmd ],
		{ input, stdio: [ 'pipe', 'pipe', 'pipe' ] }).toString();
}

/* until polls fn (sync or async) until it returns a truthy value */
async function until(what, fn, secs = 30) {
	const end = Date.now() + secs * 1000;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last)
				return last;
		}
		catch (e) { last = e }
		if (Date.now() > end)
			throw new Error(`timed out after ${secs} s waiting for ${what} (last: ${last})`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

const pubOf = (conf) => execFileSync('wg', [ 'pubkey' ], { input: /PrivateKey = (\S+)/.exec(conf)[1] + '\n' }).toString().trim();
const wgPeers = () => box('wg show wg0 peers 2>/dev/null || true').split('\n').filter(Boolean);

let br, page, loggedIn = false;
const problems = [];

/*
 * oneLuciRequestAtATime lets the page have a single request to LuCI's
 * handler (/cgi-bin/luci/...) in flight. The oracle's uhttpd runs LuCI's
 * handler script once, in uhttpd itself, where dispatcher.uc connects to
 * ubus; every request is a fork that inherits that one connection. Two at
 * once read from the same socket and can both wait for a reply the other
 * took: both end at script_timeout as 502 "The process did not produce
 * any response" (measured with two parallel curls of admin/menu: some
 * pairs answer in 5 ms, others both 502 after 60.0 s; it failed a CI run).
 * A browser sends several at once (the page, admin/menu, translations).
 */
let heldBack = 0;
const slow = [], unfinished = [];
function oneLuciRequestAtATime(page) {
	let tail = Promise.resolve(), waiting = 0;
	const inFlight = new Map();
	const finished = (req) => {
		const release = inFlight.get(req);
		inFlight.delete(req);
		if (release)
			release();
	};
	page.on('requestfinished', finished);
	page.on('requestfailed', finished);
	/* requests that took more than 5 s, printed at the end: a stall shows where it was */
	const started = new Map();
	page.on('request', (r) => started.set(r, Date.now()));
	const slowCheck = (r) => {
		const t = Date.now() - (started.get(r) || Date.now());
		started.delete(r);
		if (t > 5000)
			slow.push(`${(t / 1000).toFixed(1)} s ${r.method()} ${r.url()}${r.postData() ? ' ' + r.postData().slice(0, 200) : ''}`);
	};
	page.on('requestfinished', slowCheck);
	page.on('requestfailed', slowCheck);
	const luci = new RegExp('^' + URL.replace(/\./g, '\\.') + '/cgi-bin/luci([/?#]|$)');
	return page.route(luci, async (route) => {
		let release;
		const mine = new Promise((r) => { release = r });
		mine.then(() => waiting--);
		if (waiting++ > 0)
			heldBack++;
		const before = tail;
		tail = before.then(() => mine);
		await before;
		const req = route.request();
		inFlight.set(req, release);
		/* a request the page neither finishes nor fails must not stop the rest */
		setTimeout(() => {
			if (inFlight.has(req)) {
				unfinished.push(`${req.method()} ${req.url()}`);
				finished(req);
			}
		}, 70000).unref();
		await route.continue().catch(release);
	});
}

before(async () => {
	br = await browser.launch(HOST);
	page = await br.context.newPage();
	await oneLuciRequestAtATime(page);
	/* LuCI renders on a loaded 2-core machine shared with other jobs: be patient */
	page.setDefaultTimeout(60000);
	page.setDefaultNavigationTimeout(120000);
	await page.addInitScript(init);
	page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
	/*
	 * Expected, not ours: LuCI answers its login page with 403, and its
	 * checked apply asks /cgi-bin/cgi-exec (cgi-io, which the oracle lacks:
	 * its README) for luci-peeraddr, getting 404 here.
	 */
	const expected = (url, text) => /\/cgi-bin\/cgi-exec/.test(url) ||
		(!loggedIn && /status of 403/.test(text) && /\/cgi-bin\/luci\//.test(url));
	page.on('console', (m) => {
		if (m.type() == 'error' && !expected((m.location() || {}).url || '', m.text()))
			problems.push('console: ' + m.text() + ' @ ' + ((m.location() || {}).url || page.url()));
	});
	page.on('response', (r) => {
		if (r.status() >= 400 && !expected(r.url(), 'status of ' + r.status()))
			problems.push('HTTP ' + r.status() + ': ' + r.url());
	});
});
after(async () => {
	console.log(`LuCI requests that waited for another to finish: ${heldBack}`);
	console.log(`requests slower than 5 s: ${slow.length ? '\n  ' + slow.join('\n  ') : 'none'}`);
	console.log(`requests let go after 70 s without an end: ${unfinished.length ? '\n  ' + unfinished.join('\n  ') : 'none'}`);
	await br.close();
});

/* view opens a wgowrt page and waits for its view to render */
async function view(name) {
	try {
		await page.goto(`${URL}/cgi-bin/luci/admin/vpn/wgowrt/${name}`);
		await page.locator('#view h2').first().waitFor({ timeout: 30000 });
		await page.waitForFunction(() => !document.querySelector('#view .spinning'));
	}
	catch (e) {
		await shot(`real-failed-${name}.png`).catch(() => {});
		const html = await page.evaluate(() => (document.querySelector('#maincontent') || document.body).innerHTML.slice(0, 2000)).catch((x) => String(x));
		throw new Error(`${name} did not render: ${e.message}\n${html}\nproblems: ${problems.join('\n')}`);
	}
}

/* saveApply presses LuCI's Save & Apply and waits for the reload after the confirmed apply */
async function saveApply() {
	const reloaded = page.waitForEvent('load', { timeout: 60000 });
	await page.locator('.cbi-page-actions').getByText('Save & Apply', { exact: true }).click();
	await page.getByText('Configuration changes applied.').waitFor({ timeout: 60000 });
	await reloaded;
}

async function shot(name) {
	await page.screenshot({ path: path.join(browser.shots, name), fullPage: true });
}

test('log in to LuCI and open Overview, Peers and Setup without console errors', async () => {
	/*
	 * Log in on our own page: LuCI then renders it instead of Status ->
	 * Overview, whose luci-rpc getHostHints blocks rpcd for 60 s in the
	 * oracle's container (and with it every session check: 502, logged out).
	 */
	await page.goto(`${URL}/cgi-bin/luci/admin/vpn/wgowrt/overview`);
	await page.locator('#luci_password').fill(PASSWORD);
	await Promise.all([ page.waitForNavigation(), page.locator('#luci_password').press('Enter') ]);
	loggedIn = true;
	assert.ok(await page.locator('#view, #maincontent').first().isVisible(), 'logged in');

	await view('overview');
	assert.strictEqual(await page.title(), 'OpenWrt | WireGuard overview');
	assert.match(await page.locator('#view').textContent(), /No WireGuard interfaces configured yet/);
	await view('peers');
	assert.strictEqual(await page.locator('.wgowrt-no-server').textContent(),
		'There is no wgowrt server yet. Create one on the Setup page.');
	await view('setup');
	assert.match(await page.locator('.wgowrt-no-server').textContent(), /Create a server first/);
	/* the Mode dropdown is as wide as its longest choice (its text is not cut) */
	const mode = await page.locator('select[name="mode"]').evaluate((s) => s.scrollWidth <= s.clientWidth + 1);
	assert.ok(mode, 'the Mode choices fit their box');
	await shot('real-setup.png');
	assert.deepStrictEqual(problems, []);
});

test('create a server: preview, stage, Save & Apply; network, wgowrt, wg show and the page agree', async () => {
	const sec = page.locator('.cbi-section', { has: page.locator('h3', { hasText: 'Create a server' }) });
	await sec.locator('[name="endpoint"]').fill('vpn.example.com');
	await sec.locator('[name="internet"]').check();
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('pre.wgowrt-changes').waitFor();
	assert.match(await sec.locator('pre.wgowrt-changes').textContent(), /network\.wg0='interface'/);
	await sec.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await sec.locator('.alert-message.success').waitFor();
	/* LuCI's own indicator counts what was staged without uci.js */
	await page.locator('[data-indicator="uci-changes"]').filter({ hasText: /Unsaved Changes: \d+/ }).waitFor();
	assert.match(box('ls /var/run/rpcd/uci-* 2>/dev/null'), /network/, 'staged in the session directory');
	assert.strictEqual(box('uci -q get network.wg0.proto || echo none').trim(), 'none', 'nothing committed yet');

	await saveApply();
	assert.strictEqual(box('uci get network.wg0.proto').trim(), 'wireguard');
	assert.strictEqual(box('uci get wgowrt.wg0.endpoint').trim(), 'vpn.example.com');
	const port = await until('wg0 running', () => box('wg show wg0 listen-port 2>/dev/null || true').trim());
	assert.strictEqual(port, box('uci get network.wg0.listen_port').trim());
	assert.strictEqual(box('wg show wg0 public-key').trim(),
		execFileSync('wg', [ 'pubkey' ], { input: box('uci get network.wg0.private_key') }).toString().trim());

	await until('the overview shows wg0 running', async () => {
		await view('overview');
		return /running/.test(await page.locator('[data-iface="wg0"] .wgowrt-summary').textContent());
	}, 20);
	assert.match(await page.locator('[data-iface="wg0"] .wgowrt-summary').textContent(), /server · port \d+ · 10\.\d+\.\d+\.1\/24/);
	assert.deepStrictEqual(problems, []);
});

let phone;

test('add a peer: the QR code scans back to the config; Save & Apply reaches the running wg0', async () => {
	await view('peers');
	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="name"]').fill('phone');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result textarea').waitFor();
	phone = await dlg.locator('.wgowrt-add-result textarea').inputValue();
	assert.match(phone, /^# wgowrt peer phone\n\[Interface\]\nPrivateKey = /);
	assert.strictEqual(await dlg.locator('a[download]').getAttribute('download'), 'phone.conf');
	assert.strictEqual(await dlg.locator('a[download]').textContent(), 'Download phone.conf');

	const png = path.join(browser.shots, 'real-peer-qr.png');
	await dlg.locator('img.wgowrt-qr').screenshot({ path: png });
	const scanned = execFileSync('zbarimg', [ '--quiet', '--raw', '-Sbinary', png ]).toString();
	assert.strictEqual(scanned.replace(/\n$/, ''), phone.replace(/\n$/, ''));
	await shot('real-peer-add.png');

	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await dlg.getByRole('button', { name: 'Close' }).click();
	await saveApply();

	const pub = pubOf(phone);
	assert.strictEqual(box('uci get network.wgowrt_wg0_phone.public_key').trim(), pub);
	/* staged through LuCI, the section has the command line's option order */
	const sec = /config wireguard_wg0 'wgowrt_wg0_phone'\n((?:\t.*\n)*)/.exec(box('cat /etc/config/network'))[1];
	assert.deepStrictEqual(sec.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[2]),
		[ 'description', 'public_key', 'allowed_ips', 'allowed_ips' ]);
	await until('the peer in the running wg0 (wgowrt sync after reload_config)', () => wgPeers().includes(pub));

	await view('peers');
	const row = page.locator('tr[data-key="network.wgowrt_wg0_phone"]');
	assert.strictEqual(await row.locator('td').first().textContent(), 'phone');
	assert.deepStrictEqual(problems, []);
});

test('an apply that is not confirmed is rolled back: old config, old running peers, LuCI says so', { skip: !!process.env.WGOWRT_LUCI_NO_ROLLBACK }, async () => {
	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="name"]').fill('tablet');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result textarea').waitFor();
	const tablet = pubOf(await dlg.locator('.wgowrt-add-result textarea').inputValue());
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await dlg.getByRole('button', { name: 'Close' }).click();
	const before = box('cat /etc/config/network');

	/* the browser loses the router: no confirm gets through for 95 s (rpcd rolls back after 90) */
	let blockUntil = Date.now() + 95000;
	await page.route('**/admin/uci/confirm**', (r) => Date.now() < blockUntil ? r.abort('connectionrefused') : r.continue());
	await page.locator('.cbi-page-actions').getByText('Save & Apply', { exact: true }).click();
	await until('the unconfirmed change in the running wg0', () => wgPeers().includes(tablet), 30);
	assert.match(box('cat /etc/config/network'), /wgowrt_wg0_tablet/);

	await page.getByText('Configuration changes have been rolled back!').waitFor({ timeout: 150000 });
	assert.strictEqual(box('cat /etc/config/network'), before, 'network is back as it was');
	assert.doesNotMatch(box('cat /etc/config/wgowrt'), /tablet/);
	await until('the rolled-back peer gone from wg0', () => !wgPeers().includes(tablet), 30);
	assert.ok(wgPeers().includes(pubOf(phone)), 'the confirmed peer stays');
	await page.unroute('**/admin/uci/confirm**');
	await shot('real-rolled-back.png');

	/* as LuCI says, the rolled-back changes stay pending in the session: revert them as a user would */
	assert.match(box('cat /var/run/rpcd/uci-*/network 2>/dev/null || true'), /wgowrt_wg0_tablet/, 'still staged');
	const reloaded = page.waitForEvent('load', { timeout: 60000 });
	await page.getByRole('button', { name: 'Revert changes' }).click();
	await page.getByText('Changes have been reverted.').waitFor();
	await reloaded;
	assert.doesNotMatch(box('cat /var/run/rpcd/uci-*/network 2>/dev/null || true'), /tablet/, 'nothing staged');
	problems.length = 0; /* the aborted confirms are logged as failed requests */
});

test('disable and enable reach the running wg0 without recreating it', async () => {
	await view('peers');
	const pub = pubOf(phone), ifindex = box('cat /sys/class/net/wg0/ifindex').trim();
	const row = page.locator('tr[data-key="network.wgowrt_wg0_phone"]');
	await row.getByRole('button', { name: 'Disable' }).click();
	await row.getByRole('button', { name: 'Enable' }).waitFor();
	await saveApply();
	assert.strictEqual(box('uci get network.wgowrt_wg0_phone.disabled').trim(), '1');
	await until('the disabled peer gone from wg0', () => !wgPeers().includes(pub));
	assert.strictEqual(await page.locator('tr[data-key="network.wgowrt_wg0_phone"] td').nth(2).textContent(), 'disabled');

	await page.locator('tr[data-key="network.wgowrt_wg0_phone"]').getByRole('button', { name: 'Enable' }).click();
	await page.locator('tr[data-key="network.wgowrt_wg0_phone"]').getByRole('button', { name: 'Disable' }).waitFor();
	await saveApply();
	await until('the enabled peer back in wg0', () => wgPeers().includes(pub));
	assert.strictEqual(box('cat /sys/class/net/wg0/ifindex').trim(), ifindex, 'wg0 was not recreated');
	assert.deepStrictEqual(problems, []);
});

async function clean(where) {
	const got = await check(page);
	assert.deepStrictEqual({ elements: got.elements, fired: got.fired, handlers: got.handlers, scripts: got.scripts },
		{ elements: [], fired: [], handlers: [], scripts: [] }, where);
	assert.ok(got.shown >= 1, `${where}: the hostile text reached the page`);
}

test('hostile text in a pasted provider config is shown as text in the import error', async () => {
	await view('setup');
	const sec = page.locator('.cbi-section', { has: page.locator('h3', { hasText: 'Import a VPN' }) });
	await sec.locator('textarea[name="config"]').fill(`[Interface${PAYLOAD}]\nPrivateKey = x\n`);
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('.alert-message.error').waitFor();
	await clean('import error');
});

test('a hostile peer name is shown as text in the add error', async () => {
	await view('peers');
	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="name"]').fill('x' + PAYLOAD);
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result .alert-message.error').waitFor();
	await clean('add error');
});

test('a hostile description stored elsewhere is text in the list and the Config, Rename and Remove dialogs', async (t) => {
	box(`uci set network.wgowrt_wg0_phone.description="$1"; uci commit network`.replace('$1', PAYLOAD.replace(/["$`\\]/g, '\\$&')));
	await view('peers');
	const row = page.locator('tr[data-key="network.wgowrt_wg0_phone"]');
	assert.strictEqual(await row.locator('td').first().textContent(), PAYLOAD);
	await clean('peer list');
	const dlg = page.locator('#modal_overlay .modal');
	for (const [ button, title ] of [ [ 'Config', 'Client configuration of ' ], [ 'Rename', 'Rename peer ' ], [ 'Remove', 'Remove peer ' ] ]) {
		await row.getByRole('button', { name: button }).click();
		await page.waitForFunction((t) => document.body.classList.contains('modal-overlay-active') &&
			document.querySelector('#modal_overlay h4').textContent.startsWith(t), title);
		assert.strictEqual(await dlg.locator('h4').textContent(), title + PAYLOAD);
		if (button == 'Remove') {
			await dlg.locator('pre.wgowrt-changes, .alert-message').first().waitFor();
			t.diagnostic('Remove of a peer named by a free-text description: ' + (await dlg.locator('pre.wgowrt-changes').count()
				? 'planned' : 'refused: ' + await page.locator('.alert-message').first().textContent()));
		}
		await clean(button + ' dialog');
		await page.evaluate(() => L.hideModal());
	}
	await view('overview');
	await clean('overview');
	assert.deepStrictEqual(problems, []);
});

test('remove through the page: gone from network, wgowrt and the running wg0', async () => {
	box('uci set network.wgowrt_wg0_phone.description=phone; uci commit network');
	await view('peers');
	const pub = pubOf(phone), ifindex = box('cat /sys/class/net/wg0/ifindex').trim();
	await page.locator('tr[data-key="network.wgowrt_wg0_phone"]').getByRole('button', { name: 'Remove' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.match(await dlg.locator('pre.wgowrt-changes').textContent(), /^-network\.wgowrt_wg0_phone$/m);
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	await saveApply();
	assert.doesNotMatch(box('cat /etc/config/network /etc/config/wgowrt'), /wgowrt_wg0_phone/);
	await until('the removed peer gone from wg0', () => !wgPeers().includes(pub));
	assert.strictEqual(box('cat /sys/class/net/wg0/ifindex').trim(), ifindex, 'wg0 was not recreated');
	await view('peers');
	assert.strictEqual(await page.locator('tr[data-key]').count(), 0);
	assert.deepStrictEqual(problems, []);
});

/* applyStaged applies the session's changes from LuCI's header indicator (the Overview has no Save & Apply of its own) */
async function applyStaged() {
	const reloaded = page.waitForEvent('load', { timeout: 60000 });
	await page.locator('[data-indicator="uci-changes"]').click();
	await page.locator('#modal_overlay .modal').getByText('Save & Apply', { exact: true }).click();
	await page.getByText('Configuration changes applied.').waitFor({ timeout: 60000 });
	await reloaded;
}

test('a hand-made wg1 adopted and then removed from the Overview: the tunnel keeps running, then goes', async () => {
	box(`k=$(wg genkey); p=$(wg genkey | wg pubkey)
		uci set network.wg1=interface; uci set network.wg1.proto=wireguard; uci set network.wg1.private_key="$k"
		uci set network.wg1.listen_port=51830; uci add_list network.wg1.addresses=10.77.0.1/24
		uci set network.hand=wireguard_wg1; uci set network.hand.public_key="$p"; uci set network.hand.description=laptop
		uci add_list network.hand.allowed_ips=10.77.0.2/32; uci commit network; reload_config`);
	const ifindex = await until('the hand-made wg1 running', () => box('cat /sys/class/net/wg1/ifindex 2>/dev/null || true').trim());
	const peer = box('uci get network.hand.public_key').trim();
	await view('overview');
	const wg1 = page.locator('[data-iface="wg1"]');
	assert.strictEqual(await page.locator('[data-iface="wg0"] .wgowrt-iface-actions').textContent(), 'Remove…');
	await wg1.getByRole('button', { name: 'Adopt…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="endpoint"]').fill('vpn.example.com');
	await dlg.getByRole('button', { name: 'Preview' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.strictEqual(await dlg.locator('.wgowrt-found').textContent(), 'wg1 is a server with 1 peer(s); firewall zone: none.');
	assert.match(await dlg.locator('pre.wgowrt-changes').textContent(), /^network\.hand='wgowrt_wg1_laptop'$/m);
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.locator('.wgowrt-staged').waitFor();
	/* the status reads the session: the staged adoption already offers Remove… */
	await wg1.getByRole('button', { name: 'Remove…' }).waitFor();
	await applyStaged();
	assert.strictEqual(box('uci get wgowrt.wg1').trim(), 'server');
	assert.strictEqual(box('uci get wgowrt.wg1.endpoint').trim(), 'vpn.example.com');
	assert.strictEqual(box('uci get network.wgowrt_wg1_laptop.public_key').trim(), peer);
	assert.ok(box('wg show wg1 peers').includes(peer), 'the peer stays in the running wg1');
	assert.strictEqual(box('cat /sys/class/net/wg1/ifindex').trim(), ifindex, 'wg1 was not recreated');

	await view('overview');
	await wg1.getByRole('button', { name: 'Remove…' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.match(await dlg.locator('.wgowrt-goes-away').textContent(), /^The tunnel wg1 goes away with Save & Apply/);
	assert.match(await dlg.locator('pre.wgowrt-changes').textContent(), /^-network\.wg1$/m);
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.locator('.wgowrt-staged').waitFor();
	await applyStaged();
	assert.doesNotMatch(box('cat /etc/config/network /etc/config/wgowrt'), /wg1/);
	await until('wg1 gone', () => box('test -e /sys/class/net/wg1 && echo up || true').trim() == '');
	assert.deepStrictEqual(problems, []);
});

/* a JSON-RPC call through uhttpd's /ubus, as session sid */
async function ubus(sid, object, method, args) {
	const res = await page.request.post(`${URL}/ubus/`, { data: { jsonrpc: '2.0', id: 1, method: 'call', params: [ sid, object, method, args || {} ] } });
	const j = await res.json();
	return j.result || { denied: j.error && j.error.message };
}

/* a LuCI user with the read roles of luci-base and luci-app-wgowrt only */
test('the read role of luci-app-wgowrt reads status and peers but not the network config', async () => {
	const hash = execFileSync('openssl', [ 'passwd', '-1', 'viewer-pw' ]).toString().trim();
	box(`uci add rpcd login >/dev/null; uci set rpcd.@login[-1].username=viewer; uci set rpcd.@login[-1].password='${hash}';
		uci add_list rpcd.@login[-1].read=luci-base; uci add_list rpcd.@login[-1].read=luci-app-wgowrt;
		uci commit rpcd; /etc/init.d/rpcd reload`);
	const login = await until('viewer login', async () => {
		const r = await ubus('00000000000000000000000000000000', 'session', 'login', { username: 'viewer', password: 'viewer-pw' });
		return r && r[0] == 0 && r[1].ubus_rpc_session;
	}, 15);
	const status = await ubus(login, 'wgowrt', 'status', {});
	assert.strictEqual(status[0], 0);
	assert.deepStrictEqual(status[1].servers, [ 'wg0' ]);
	assert.ok(!JSON.stringify(status[1]).includes(box('uci get network.wg0.private_key').trim()), 'no key in status');
	assert.strictEqual((await ubus(login, 'wgowrt', 'peers', { iface: 'wg0' }))[0], 0);
	assert.deepStrictEqual(await ubus(login, 'uci', 'get', { config: 'network' }), [ 6 ], 'uci get network: permission denied');
	assert.deepStrictEqual(await ubus(login, 'uci', 'get', { config: 'network', section: 'wg0', option: 'private_key' }), [ 6 ]);
	assert.deepStrictEqual(await ubus(login, 'wgowrt', 'peer_add', { iface: 'wg0', name: 'x' }), { denied: 'Access denied' }, 'no write method');
	assert.deepStrictEqual(await ubus(login, 'uci', 'get', { config: 'wgowrt' }), [ 6 ], 'the read role reads no uci config');
});
