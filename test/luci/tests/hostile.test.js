'use strict';
/*
 * Script injection (issue 11 item 1): every method whose answer reaches
 * the page answers with hostile strings in every field (names, errors,
 * warnings, notes, changes, summaries, endpoints, configs, file names),
 * each view is walked through every place they show up, and nothing may
 * come out of them but text: no element, attribute, handler or script.
 * The stand-in's E() sets a lone string as HTML, as LuCI's does, so a
 * view that hands an answer to E() as a string fails here.
 */
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const fixtures = require('../harness/fixtures.js');
const { PAYLOAD, init, hostile, check } = require('../harness/hostile.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => server.reset());

/* clean asserts that nothing came from a payload, and that some were shown */
async function clean(page, where, minShown = 1) {
	const got = await check(page);
	assert.deepStrictEqual({ elements: got.elements, fired: got.fired, handlers: got.handlers, scripts: got.scripts },
		{ elements: [], fired: [], handlers: [], scripts: [] }, where);
	assert.ok(got.shown >= minShown, `${where}: the hostile text is shown (${got.shown} times)`);
}

const err = () => hostile({ error: 'bad', field: 'name' });

function answerAll(over) {
	const st = hostile(Object.assign(fixtures.liveStatus(), { warning: 'careful' }));
	server.answer('wgowrt', 'status', () => st);
	server.answer('wgowrt', 'peers', () => hostile(contract.answer('peers')));
	server.answer('wgowrt', 'next_address', () => hostile(contract.answer('next-address')));
	for (const [ m, fn ] of Object.entries(over || {}))
		server.answer('wgowrt', m, fn);
	return st;
}

test('Overview shows hostile names, endpoints, addresses, warnings and doctor findings as text', async () => {
	answerAll();
	const page = await browser.open(br, server, 'overview', { init });
	await clean(page, 'overview', 10);
	await page.evaluate(() => window.__luci.poll.step());
	await clean(page, 'overview after a poll', 10);
	assert.strictEqual(await page.locator('.cbi-section h3').first().textContent(), 'wg0' + PAYLOAD);

	server.answer('wgowrt', 'doctor', () => Object.assign(hostile({ checked: [ 'wg0' ], live: true,
		findings: [ { check: 'port-closed', iface: 'wg0', peer: 'phone', problem: 'p', evidence: 'e', fix: 'uci set x' } ] }), { version: 1 }));
	await page.locator('.wgowrt-check').click();
	await page.locator('.wgowrt-finding').waitFor();
	await clean(page, 'doctor findings', 14);

	server.answer('wgowrt', 'status', err);
	await page.evaluate(() => window.__luci.poll.step());
	await clean(page, 'overview error');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Peers: list, add, config, rename, remove and disable show hostile answers as text', async () => {
	answerAll({
		peer_add: () => hostile(Object.assign(contract.answer('peer-add'), { warnings: [ 'w' ], notes: [ 'n' ], info: [ 'i' ] })),
		peer_config: () => hostile(Object.assign(contract.answer('peer-config-not-kept'), { qr: '' })),
		peer_remove: () => hostile(Object.assign(contract.answer('peer-remove'), { warnings: [ 'w' ] })),
		peer_rename: () => hostile(contract.answer('peer-rename')),
		peer_disable: err
	});
	const page = await browser.open(br, server, 'peers', { init });
	const name = 'phone' + PAYLOAD;
	await clean(page, 'peer list', 2);
	assert.strictEqual(await page.locator('tr[data-key] td').first().textContent(), name);

	const dlg = page.locator('#modal_overlay .modal');
	await page.getByRole('button', { name: 'Add peer…' }).click();
	await dlg.waitFor({ state: 'visible' });
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Add peer to wg0' + PAYLOAD);
	await dlg.locator('[name="name"]').fill('phone');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result textarea').waitFor();
	await clean(page, 'add result', 5);
	assert.strictEqual(await dlg.locator('a[download]').getAttribute('download'), 'phone.conf' + PAYLOAD);
	assert.strictEqual(await dlg.locator('a[download]').textContent(), 'Download phone.conf' + PAYLOAD);
	await page.evaluate(() => L.ui.hideModal());

	const row = page.locator('tr[data-key]').first();
	await row.getByRole('button', { name: 'Config' }).click();
	await dlg.locator('textarea').waitFor();
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Client configuration of ' + name);
	assert.ok(await dlg.locator('.wgowrt-no-qr').isVisible(), 'the no-QR note shows');
	await clean(page, 'config dialog', 2);
	await page.evaluate(() => L.ui.hideModal());

	await row.getByRole('button', { name: 'Rename' }).click();
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Rename peer ' + name);
	assert.strictEqual(await dlg.locator('[name="new_name"]').inputValue(), name);
	await dlg.getByRole('button', { name: 'Preview' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	await clean(page, 'rename preview', 2);
	await page.evaluate(() => L.ui.hideModal());

	await row.getByRole('button', { name: 'Remove' }).click();
	await page.waitForFunction(() => /^Remove peer/.test(document.querySelector('#modal_overlay h4').textContent));
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove peer ' + name);
	await clean(page, 'remove preview', 2);
	await page.evaluate(() => L.ui.hideModal());

	await row.getByRole('button', { name: 'Disable' }).click();
	await page.locator('#maincontent > .alert-message').first().waitFor();
	await clean(page, 'disable error notification', 2);

	server.answer('wgowrt', 'peer_add', err);
	await page.getByRole('button', { name: 'Add peer…' }).click();
	await dlg.locator('[name="name"]').fill('x');
	await dlg.getByRole('button', { name: 'Generate' }).click();
	await dlg.locator('.wgowrt-add-result .alert-message.error').waitFor();
	assert.strictEqual(await dlg.locator('.wgowrt-add-result .alert-message.error').textContent(),
		'bad' + PAYLOAD + ' (name' + PAYLOAD + ')');
	await clean(page, 'add error', 1);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Setup: summaries, previews and errors of server_init, client_import and site_add are text', async () => {
	answerAll({
		server_init: () => hostile(Object.assign(contract.answer('server-init'), { warnings: [ 'w' ], notes: [ 'n' ] })),
		client_import: () => hostile(contract.answer('client-import')),
		site_add: err
	});
	const page = await browser.open(br, server, 'setup', { init });
	const sec = (title) => page.locator('.cbi-section', { has: page.locator('h3', { hasText: title }) });
	await clean(page, 'setup: the server chooser', 1);

	await sec('Create a server').getByRole('button', { name: 'Preview' }).click();
	await sec('Create a server').locator('pre.wgowrt-changes').waitFor();
	await clean(page, 'server preview', 4);

	await sec('Import a VPN').locator('textarea[name="config"]').fill('[Interface]\n');
	await sec('Import a VPN').getByRole('button', { name: 'Preview' }).click();
	await sec('Import a VPN').locator('pre.wgowrt-changes').waitFor();
	await clean(page, 'import preview', 5);

	server.answer('wgowrt', 'client_import', err);
	await sec('Import a VPN').getByRole('button', { name: 'Preview' }).click();
	await sec('Import a VPN').locator('.alert-message.error').waitFor();
	await clean(page, 'import error', 4);

	await sec('Link a site').getByRole('button', { name: 'Preview' }).click();
	await sec('Link a site').locator('.alert-message.error').waitFor();
	await clean(page, 'site error', 5);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
