'use strict';
/*
 * Overview: Adopt… on an interface wgowrt did not create and Remove… on a
 * wgowrt server or client (wgowrt.adopt and wgowrt.role_remove), against
 * the contract's status-adoptable (the wiki's wg0, role "other"; server
 * wg1; client provider) and its adopt-wiki and role-remove-* answers.
 */
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const staged = require('../harness/staged.js');
const { PAYLOAD, init, hostile, check } = require('../harness/hostile.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => {
	server.reset();
	server.answer('wgowrt', 'status', () => contract.answer('status-adoptable'));
});

const calls = (method) => server.calls('wgowrt', method);

/* actions reads each interface's buttons */
const actions = (page) => page.evaluate(() => Array.from(document.querySelectorAll('[data-iface]')).map((sec) =>
	[ sec.getAttribute('data-iface'), Array.from(sec.querySelectorAll('.wgowrt-iface-actions button')).map((b) => b.textContent) ]));

/* stagedAndClosed stages the previewed plan; renames (adopt's) read as
 * section types in fromChanges, so only plans without one are compared
 * with their changes lines too (the Go contract compares every plan's
 * staged result with the command line's files) */
async function stagedAndClosed(page, dlg, want, renames) {
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	await page.locator('.wgowrt-staged').waitFor();
	assert.deepStrictEqual(server.state.staged, staged.ubusCalls(want.edits), 'the ubus uci calls of the edits, in order');
	if (!renames)
		assert.deepStrictEqual(staged.hideSecrets(staged.fromUbus(server.state.staged), staged.fromChanges(want.changes)),
			staged.fromChanges(want.changes), 'the session holds exactly what the changes lines say');
	assert.deepStrictEqual(server.calls('uci', 'get'), [], 'no uci get');
}

test('Adopt… only on the interface wgowrt did not create, Remove… only on its server and client', async () => {
	const st = contract.answer('status-adoptable');
	st.interfaces.push(Object.assign({}, st.interfaces[2], { name: 'odd', role: 'gateway', peers: [] }),
		Object.assign({}, st.interfaces[2], { name: 'broken', role: '', peers: [], error: 'no device' }));
	server.answer('wgowrt', 'status', () => st);
	const page = await browser.open(br, server, 'overview');
	assert.deepStrictEqual(await actions(page), [
		[ 'provider', [ 'Remove…' ] ], [ 'wg0', [ 'Adopt…' ] ], [ 'wg1', [ 'Remove…' ] ], [ 'odd', [] ], [ 'broken', [] ] ]);
	/* a poll that does not change roles keeps the buttons; one that does swaps them */
	await page.evaluate(() => document.querySelectorAll('.wgowrt-iface-actions button').forEach((b) => { b.__kept = true }));
	await page.evaluate(() => window.__luci.poll.step());
	assert.ok(await page.evaluate(() => Array.from(document.querySelectorAll('.wgowrt-iface-actions button')).every((b) => b.__kept)));
	st.interfaces[1].role = 'server';
	await page.evaluate(() => window.__luci.poll.step());
	assert.deepStrictEqual((await actions(page))[1], [ 'wg0', [ 'Remove…' ] ]);
	assert.strictEqual(await page.locator('.cbi-page-actions button').count(), 0, 'still no Save/Apply/Reset on the status page');
	assert.deepStrictEqual(await page.problems(), []);
	assert.deepStrictEqual(server.state.violations, []);
	await page.close();
});

test('Adopt… previews what adopt found and would change, and stages its edits', async () => {
	const want = contract.answer('adopt-wiki');
	const page = await browser.open(br, server, 'overview');
	await page.locator('[data-iface="wg0"]').getByRole('button', { name: 'Adopt…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="endpoint"]').waitFor();
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Adopt wg0');
	assert.deepStrictEqual(calls('adopt'), [], 'nothing asked before Preview');
	await dlg.locator('[name="endpoint"]').fill(' vpn.example.com ');
	await dlg.getByRole('button', { name: 'Preview' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('adopt'), [ { iface: 'wg0', endpoint: 'vpn.example.com' } ]);
	assert.deepStrictEqual(server.state.violations, []);
	assert.strictEqual(await dlg.locator('.wgowrt-found').textContent(), 'wg0 is a server with 1 peer(s); firewall zone: lan.');
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	assert.deepStrictEqual(await dlg.locator('.alert-message.warning').allTextContents(), want.warnings);
	assert.deepStrictEqual(await dlg.locator('.alert-message.notice').allTextContents(), want.info);
	await page.shot('overview-adopt.png');
	const before = calls('status').length;
	await stagedAndClosed(page, dlg, want, true);
	const session = staged.fromUbus(server.state.staged);
	assert.strictEqual(session['network.wgclient'], null, 'the hand-made peer section goes');
	assert.strictEqual(session['network.wgowrt_wg0_wgclient'].description, 'wgclient', 'and comes back under wgowrt\'s name');
	assert.ok(calls('status').length > before, 'the status was re-read after staging');
	assert.strictEqual(await page.locator('#changes-indicator').textContent(), 'Unsaved Changes: 3');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Remove… on a server warns that the tunnel goes away and stages role_remove', async () => {
	const want = contract.answer('role-remove-server');
	const page = await browser.open(br, server, 'overview');
	await page.locator('[data-iface="wg1"]').getByRole('button', { name: 'Remove…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('role_remove'), [ { iface: 'wg1' } ]);
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove wg1');
	assert.match(await dlg.locator('.wgowrt-goes-away').textContent(), /^The tunnel wg1 goes away with Save & Apply: .*peers can no longer connect/i);
	assert.strictEqual(await dlg.locator('.wgowrt-cuts-page').count(), 0, 'this page does not come through wg1');
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	await page.shot('overview-remove.png');
	await stagedAndClosed(page, dlg, want);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Remove… of a client, and of the tunnel the page comes through, says what is lost', async () => {
	const st = contract.answer('status-adoptable');
	st.interfaces[0].addresses = [ '127.0.0.1/8' ]; /* the harness serves the page on 127.0.0.1 */
	server.answer('wgowrt', 'status', () => st);
	server.answer('wgowrt', 'role_remove', () => contract.answer('role-remove-client'));
	const page = await browser.open(br, server, 'overview');
	await page.locator('[data-iface="provider"]').getByRole('button', { name: 'Remove…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.match(await dlg.locator('.wgowrt-goes-away').textContent(), /traffic it carried goes out through wan again/);
	assert.match(await dlg.locator('.wgowrt-cuts-page').textContent(), /^This page reaches the router through provider: .*roll the removal back/);
	await stagedAndClosed(page, dlg, contract.answer('role-remove-client'));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('Remove… of a full tunnel that steered dnsmasq stages dhcp\'s edits with the others', async () => {
	const want = contract.answer('role-remove-client-dns');
	server.answer('wgowrt', 'role_remove', () => want);
	const page = await browser.open(br, server, 'overview');
	await page.locator('[data-iface="provider"]').getByRole('button', { name: 'Remove…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('role_remove'), [ { iface: 'provider' } ]);
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	assert.deepStrictEqual(await dlg.locator('.alert-message.notice').allTextContents(), want.info, 'says dnsmasq is put back');
	/* dhcp's del_list line reads as no section in fromChanges: the calls are compared, the Go contract compares the files */
	await stagedAndClosed(page, dlg, want, true);
	assert.ok(server.state.staged.some((c) => c[1].config == 'dhcp'), 'dhcp staged too');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('refusals and failed calls are reported and nothing is staged', async () => {
	const page = await browser.open(br, server, 'overview');
	const note = page.locator('#maincontent > .alert-message.danger');
	server.answer('wgowrt', 'role_remove', () => contract.answer('err-role-remove-client-gateway'));
	await page.locator('[data-iface="provider"]').getByRole('button', { name: 'Remove…' }).click();
	await note.first().waitFor();
	assert.strictEqual(await note.first().locator('p').textContent(),
		contract.answer('err-role-remove-client-gateway').error + ' (iface)');
	assert.ok(!(await page.evaluate(() => document.body.classList.contains('modal-overlay-active'))), 'no dialog');

	server.answer('wgowrt', 'adopt', () => [ 6 ]);
	await page.locator('[data-iface="wg0"]').getByRole('button', { name: 'Adopt…' }).click();
	await page.locator('#modal_overlay').getByRole('button', { name: 'Preview' }).click();
	await note.filter({ hasText: 'The router gave no answer.' }).waitFor();
	assert.strictEqual(await note.count(), 2);

	server.answer('wgowrt', 'adopt', () => Object.assign(contract.answer('adopt-wiki'), { changes: [], edits: [] }));
	await page.locator('#modal_overlay').getByRole('button', { name: 'Preview' }).click();
	await page.locator('#modal_overlay .wgowrt-nothing').waitFor();
	assert.strictEqual(await page.locator('#modal_overlay').getByRole('button', { name: 'Add to unsaved changes' }).count(), 0,
		'nothing to stage: no staging button');
	assert.deepStrictEqual(server.state.staged, []);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('hostile interface names, descriptions and answers stay text in the Adopt and Remove dialogs', async () => {
	const st = contract.answer('status-adoptable');
	for (const i of st.interfaces)
		Object.assign(i, hostile({ name: i.name, addresses: i.addresses, public_key: i.public_key }),
			{ peers: hostile(i.peers) });
	server.answer('wgowrt', 'status', () => st);
	server.answer('wgowrt', 'adopt', () => hostile(Object.assign(contract.answer('adopt-wiki'), { notes: [ 'n' ] }),
		[ 'edits', 'configs', 'version', 'peers' ]));
	server.answer('wgowrt', 'role_remove', () => hostile(contract.answer('role-remove-server')));
	const page = await browser.open(br, server, 'overview', { init });
	const clean = async (where, min) => {
		const got = await check(page);
		assert.deepStrictEqual({ elements: got.elements, fired: got.fired, handlers: got.handlers, scripts: got.scripts },
			{ elements: [], fired: [], handlers: [], scripts: [] }, where);
		assert.ok(got.shown >= min, `${where}: the hostile text is shown (${got.shown} times)`);
	};
	await clean('overview', 3);
	const dlg = page.locator('#modal_overlay .modal');
	const wg0 = page.locator('.cbi-section', { has: page.locator('h3', { hasText: /^wg0/ }) });
	await wg0.getByRole('button', { name: 'Adopt…' }).click();
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Adopt wg0' + PAYLOAD);
	await dlg.getByRole('button', { name: 'Preview' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(calls('adopt')[0], { iface: 'wg0' + PAYLOAD, endpoint: '' }, 'the name is sent as it came');
	assert.match(await dlg.locator('.wgowrt-found').textContent(), /^wg0%s%h%d<img .* is a server%s%h%d<img .* with 1 peer\(s\); firewall zone: lan%s/);
	assert.strictEqual(await dlg.locator('pre.wgowrt-changes').textContent(), hostile(contract.answer('adopt-wiki').changes).join('\n'));
	await clean('adopt preview', 8);
	await page.evaluate(() => L.ui.hideModal());

	const wg1 = page.locator('.cbi-section', { has: page.locator('h3', { hasText: /^wg1/ }) });
	await wg1.getByRole('button', { name: 'Remove…' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	assert.strictEqual(await dlg.locator('h4').textContent(), 'Remove wg1' + PAYLOAD);
	await clean('remove preview', 4);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
