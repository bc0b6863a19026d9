'use strict';
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const staged = require('../harness/staged.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => server.reset());

const calls = (method) => server.calls('wgowrt', method);

test('Peers lists the configured peers of the contract', async () => {
	const page = await browser.open(br, server, 'peers');
	const rows = await page.evaluate(() => Array.from(document.querySelectorAll('tr[data-key]')).map((tr) => ({
		key: tr.getAttribute('data-key'),
		cells: Array.from(tr.children).slice(0, 4).map((td) => td.textContent),
		buttons: Array.from(tr.querySelectorAll('button')).map((b) => b.textContent + (b.disabled ? ' (off)' : ''))
	})));
	assert.deepStrictEqual(rows.map((r) => r.key), contract.answer('peers').peers.map((p) => p.section));
	assert.deepStrictEqual(rows[0].cells.slice(0, 2), [ 'phone', '10.8.0.2/32, fd12:3456:789a:ff00::2/128' ]);
	assert.deepStrictEqual(rows[0].buttons, [ 'Config', 'Rename', 'Expiry…', 'Disable', 'Remove' ]);
	assert.deepStrictEqual(calls('peers'), [ { iface: 'wg0', offset: 0, limit: 250 } ]);
	assert.deepStrictEqual(await page.problems(), []);
	assert.deepStrictEqual(server.state.unknown, []);
	assert.deepStrictEqual(server.state.violations, []);
	await page.shot('peers.png');
	await page.close();
});

test('the add dialog shows config and QR code and stages what peer_add plans', async () => {
	const page = await browser.open(br, server, 'peers');
	const want = contract.answer('peer-add');

	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.waitFor({ state: 'visible' });
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Add peer to wg0');
	/* the next free address is offered as the placeholder */
	await page.waitForFunction(() => document.querySelector('.wgowrt-add-form [name="ip"]').placeholder.includes('10.8.0.3'));
	assert.deepStrictEqual(calls('next_address'), [ { iface: 'wg0' } ]);

	await dlg.locator('[name="name"]').fill('phone');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result textarea').waitFor();

	/* the call carries the contract's arguments, in the signature's types */
	const sent = calls('peer_add');
	assert.strictEqual(sent.length, 1);
	for (const [ k, v ] of Object.entries(contract.args('peer-add')))
		assert.deepStrictEqual(sent[0][k], v, 'argument ' + k);
	assert.strictEqual(sent[0].iface, 'wg0');
	assert.deepStrictEqual(server.state.violations, []);

	const shown = await page.evaluate(() => {
		const r = document.querySelector('.wgowrt-add-result'), img = r.querySelector('img.wgowrt-qr'),
		      a = r.querySelector('a[download]'), box = img.getBoundingClientRect();
		return {
			formHidden: document.querySelector('.wgowrt-add-form').style.display == 'none',
			lead: r.querySelector('p').textContent,
			notice: r.querySelector('.alert-message.notice') && r.querySelector('.alert-message.notice').textContent,
			config: r.querySelector('textarea').value,
			qr: decodeURIComponent(img.src.slice(img.src.indexOf(',') + 1)),
			qrType: img.src.slice(0, img.src.indexOf(',')),
			qrLoaded: img.complete && img.naturalWidth > 0,
			qrBox: [ box.width, box.height ],
			href: decodeURIComponent(a.href.slice(a.href.indexOf(',') + 1)),
			filename: a.getAttribute('download'),
			changes: r.querySelector('pre.wgowrt-changes').textContent,
			buttons: Array.from(document.querySelectorAll('.wgowrt-add-buttons button')).map((b) => b.textContent)
		};
	});
	assert.ok(shown.formHidden);
	assert.strictEqual(shown.lead, 'Peer phone gets 10.8.0.2/32, fd12:3456:789a:ff00::2/128.');
	assert.match(shown.notice, /private key and is shown only now/);
	assert.strictEqual(shown.config, want.config);
	assert.strictEqual(shown.qrType, 'data:image/svg+xml;charset=utf-8');
	assert.strictEqual(shown.qr, want.qr);
	assert.ok(shown.qrLoaded, 'the browser decoded the SVG');
	assert.deepStrictEqual(shown.qrBox, [ 280, 280 ]);
	assert.strictEqual(shown.href, want.config);
	assert.strictEqual(shown.filename, 'phone.conf');
	assert.strictEqual(shown.changes, want.changes.join('\n'));
	assert.deepStrictEqual(shown.buttons, [ 'Cancel', 'Add to unsaved changes' ]);
	await page.shot('peers-add-dialog.png');

	/* the QR image scanned back: test/luci/real, with the real bridge's image */

	/* staging: ubus uci calls in the edits' order, without ever reading network */
	const initBefore = await page.evaluate(() => window.__luci.ui.changesInit);
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await dlg.getByRole('button', { name: 'Close' }).waitFor();

	assert.deepStrictEqual(server.state.staged, staged.ubusCalls(want.edits));
	assert.deepStrictEqual(server.calls('uci', 'get'), [], 'no uci get');
	assert.deepStrictEqual(staged.fromUbus(server.state.staged), staged.fromChanges(want.changes),
		'the session holds exactly what the changes lines say');
	assert.strictEqual(await page.evaluate(() => window.__luci.ui.changesInit), initBefore + 1);
	assert.strictEqual(await page.locator('#changes-indicator').textContent(), 'Unsaved Changes: 2');
	assert.ok(calls('peers').length >= 2, 'the list was re-read after staging');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('an error answer of peer_add is shown in the dialog, which stays open', async () => {
	server.answer('wgowrt', 'peer_add', () => contract.answer('err-peer-add-bad-name'));
	const page = await browser.open(br, server, 'peers');
	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="name"]').fill('a b');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	const err = dlg.locator('.wgowrt-add-result .alert-message.error');
	await err.waitFor();
	assert.strictEqual(await err.textContent(), 'peer name "a b" is not usable: use 1 to 32 letters, digits, _ or - (name)');
	assert.ok(await dlg.locator('.wgowrt-add-form').isVisible());
	assert.deepStrictEqual(server.state.staged, []);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Remove previews peer_remove and stages the removal', async () => {
	const page = await browser.open(br, server, 'peers');
	const want = contract.answer('peer-remove');
	await page.locator('tr[data-key="network.wgowrt_wg0_phone"]').getByRole('button', { name: 'Remove' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('peer_remove'), [ contract.args('peer-remove') ]);
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove peer phone');
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	assert.deepStrictEqual(staged.fromUbus(server.state.staged), staged.fromChanges(want.changes));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Config shows a kept peer configuration with its QR code', async () => {
	const page = await browser.open(br, server, 'peers');
	const want = contract.answer('peer-config');
	await page.locator('tr[data-key="network.wgowrt_wg0_laptop"]').getByRole('button', { name: 'Config' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('textarea').waitFor();
	assert.deepStrictEqual(calls('peer_config'), [ contract.args('peer-config') ]);
	assert.strictEqual(await dlg.locator('textarea').inputValue(), want.config);
	assert.ok(await dlg.locator('img.wgowrt-qr').evaluate((img) => img.complete && img.naturalWidth > 0));
	assert.strictEqual(await dlg.locator('a[download]').getAttribute('download'), 'laptop.conf');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

/*
 * rpc.declare's expect { '': {} } turns a failed ubus call (permission
 * denied, timeout, the binary missing …) into {}: that must read as an
 * error, not as an empty plan.
 */
test('a failed ubus call of peer_add is reported, not shown as a peer', async () => {
	server.answer('wgowrt', 'peer_add', () => [ 6 ]);
	const page = await browser.open(br, server, 'peers');
	await page.getByRole('button', { name: 'Add peer…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="name"]').fill('phone');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	const err = dlg.locator('.wgowrt-add-result .alert-message.error');
	await err.waitFor({ timeout: 3000 });
	assert.strictEqual(await err.textContent(), 'The router gave no answer.');
	assert.ok(await dlg.locator('.wgowrt-add-form').isVisible());
	assert.strictEqual(await dlg.getByRole('button', { name: 'Add to unsaved changes' }).count(), 0);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

/* LuCI's E(tag, node) drops the node: these notes were lost that way once */
test('Peers of a router without a server says where to make one', async () => {
	server.answer('wgowrt', 'status', () => contract.answer('status-empty'));
	const page = await browser.open(br, server, 'peers');
	assert.strictEqual(await page.locator('.wgowrt-no-server').textContent(),
		'There is no wgowrt server yet. Create one on the Setup page.');
	assert.deepStrictEqual(calls('peers'), []);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('a plan that changes nothing says so', async () => {
	server.answer('wgowrt', 'peer_remove', () => Object.assign(contract.answer('peer-remove'), { changes: [], edits: [] }));
	const page = await browser.open(br, server, 'peers');
	await page.locator('tr[data-key]').first().getByRole('button', { name: 'Remove' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('.wgowrt-nothing').waitFor();
	assert.strictEqual(await dlg.locator('.wgowrt-nothing').textContent(), 'Nothing to change.');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
