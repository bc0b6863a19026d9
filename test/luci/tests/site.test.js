'use strict';
/*
 * Peers: Remove… on a site link (wgowrt.site_remove), against the
 * contract's peers-site (site office, peer phone) and its site-remove and
 * err-site-remove-* answers: the button only on site rows, the preview as
 * text also with a hostile name, the staged uci calls the answer's edits.
 */
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const staged = require('../harness/staged.js');
const { PAYLOAD, init, check } = require('../harness/hostile.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => {
	server.reset();
	server.answer('wgowrt', 'peers', () => contract.answer('peers-site'));
});

const calls = (method) => server.calls('wgowrt', method);
const row = (page, section) => page.locator('tr[data-key="network.' + section + '"]');
const buttons = (page, section) => row(page, section).locator('button').allTextContents();

test('Remove… on a site link previews site_remove and stages its edits; a peer keeps Remove, Config and Expiry…', async () => {
	const want = contract.answer('site-remove');
	const page = await browser.open(br, server, 'peers');
	await row(page, 'wgowrt_wg0_office').waitFor();
	assert.deepStrictEqual(await buttons(page, 'wgowrt_wg0_office'), [ 'Rename', 'Disable', 'Remove…' ],
		'no Config (a site has no client config) nor Expiry… (peer set refuses a site)');
	assert.deepStrictEqual(await buttons(page, 'wgowrt_wg0_phone'), [ 'Config', 'Rename', 'Expiry…', 'Disable', 'Remove' ]);
	await row(page, 'wgowrt_wg0_office').getByRole('button', { name: 'Remove…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('site_remove'), [ { iface: 'wg0', name: 'office' } ]);
	assert.deepStrictEqual(calls('peer_remove'), [], 'not removed as a peer (its firewall rules would stay)');
	assert.deepStrictEqual(server.state.violations, []);
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove site link office');
	assert.match(await dlg.locator('.wgowrt-goes-away').textContent(), /^The site link office goes away with Save & Apply: .*firewall rules/);
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	await page.shot('peers-site-remove.png');
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	assert.deepStrictEqual(server.state.staged, staged.ubusCalls(want.edits), 'the ubus uci calls of the edits, in order');
	assert.deepStrictEqual(staged.fromUbus(server.state.staged), staged.fromChanges(want.changes));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('a hostile site name stays text in the button row, the dialog and a refusal; nothing is staged', async () => {
	const name = 'office' + PAYLOAD;
	const peers = contract.answer('peers-site');
	peers.peers.forEach((p) => { if (p.site) p.name = name });
	server.answer('wgowrt', 'peers', () => peers);
	server.answer('wgowrt', 'site_remove', () => Object.assign(contract.answer('site-remove'), { site: name }));
	const page = await browser.open(br, server, 'peers', { init });
	await row(page, 'wgowrt_wg0_office').getByRole('button', { name: 'Remove…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('site_remove'), [ { iface: 'wg0', name } ]);
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove site link ' + name);
	assert.ok((await dlg.locator('.wgowrt-goes-away').textContent()).startsWith('The site link ' + name + ' goes away'));
	await dlg.getByRole('button', { name: 'Cancel' }).click();

	const refusal = contract.answer('err-site-remove-bad-name');
	server.answer('wgowrt', 'site_remove', () => refusal);
	await row(page, 'wgowrt_wg0_office').getByRole('button', { name: 'Remove…' }).click();
	const note = page.locator('#maincontent > .alert-message.danger');
	await note.first().waitFor();
	assert.strictEqual(await note.first().locator('p').textContent(), refusal.error + ' (name)');
	assert.ok(!(await page.evaluate(() => document.body.classList.contains('modal-overlay-active'))), 'no dialog');
	const got = await check(page);
	assert.deepStrictEqual([ got.elements, got.fired, got.handlers, got.scripts ], [ [], [], [], [] ]);
	assert.deepStrictEqual(server.state.staged, []);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
