'use strict';
/*
 * Peers that expire on the Peers page: the expiry shows (as text, whatever
 * it holds), an expired peer offers no Enable but Expiry…, whose dialog
 * sends a duration as "for" and stages what peer_expiry plans; Add sends
 * the Expires field.
 */
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const { PAYLOAD, init, check } = require('../harness/hostile.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => server.reset());

const calls = (method) => server.state.calls.filter(([ o, m ]) => o == 'wgowrt' && m == method).map((c) => c[2]);

/* the contract's peers with the first one expired, its expiry hostile */
function expiredPeers(expires) {
	const ans = contract.answer('peers');
	ans.peers[0] = Object.assign({}, ans.peers[0], { disabled: true, expires: expires, expired: '2026-12-03T10:00:01Z' });
	ans.peers[1] = Object.assign({}, ans.peers[1], { expires: '2026-12-03T10:00:00Z' });
	return ans;
}

test('an expired peer shows as expired, offers Expiry… instead of Enable, and a new expiry is staged', async () => {
	server.answer('wgowrt', 'peers', () => expiredPeers('2026-12-03T10:00:00Z'));
	const page = await browser.open(br, server, 'peers');
	const row = (i) => page.locator('tr[data-key]').nth(i);
	await row(0).waitFor();
	assert.strictEqual(await row(0).locator('td').nth(2).textContent(), 'expired');
	assert.strictEqual(await row(0).getAttribute('title'), 'expired 2026-12-03 10:00 UTC');
	assert.deepStrictEqual(await row(0).locator('button').allTextContents(), [ 'Config', 'Rename', 'Expiry…', 'Remove' ]);
	assert.match(await row(1).locator('td').nth(2).textContent(), / · until 2026-12-03 10:00 UTC$/);

	const want = contract.answer('peer-expiry-renew');
	await row(0).getByRole('button', { name: 'Expiry…' }).click();
	const dlg = page.locator('#modal_overlay .modal');
	await dlg.locator('[name="expiry"]').fill('7d');
	await dlg.getByRole('button', { name: 'Preview' }).click();
	await dlg.locator('pre.wgowrt-changes').waitFor();
	const name = contract.answer('peers').peers[0].name;
	assert.deepStrictEqual(calls('peer_expiry'), [ { iface: 'wg0', name: name, 'for': '7d' } ]);
	assert.deepStrictEqual(server.state.violations, []);
	await dlg.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	/* what reached the session: the contract's edits (its changes delete options, which staged.js does not read) */
	const session = JSON.stringify(server.state.staged);
	for (const e of want.edits)
		assert.ok(session.includes(e.section), 'staged ' + e.config + '.' + e.section);
	assert.ok(session.includes('2031-06-30T00:00:00Z'), 'the new expiry is staged');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('a hostile stored expiry is shown as text', async () => {
	server.answer('wgowrt', 'peers', () => expiredPeers('2026-12-03T10:00:00Z' + PAYLOAD));
	const page = await browser.open(br, server, 'peers', { init });
	await page.locator('tr[data-key]').first().waitFor();
	await page.locator('tr[data-key]').first().getByRole('button', { name: 'Expiry…' }).click();
	await page.locator('#modal_overlay .modal [name="expiry"]').waitFor();
	const got = await check(page);
	assert.deepStrictEqual([ got.elements, got.fired, got.handlers, got.scripts ], [ [], [], [], [] ]);
	assert.ok(await page.locator('#modal_overlay .modal [name="expiry"]').inputValue().then((v) => v.includes('data-xss=1')));
	await page.close();
});

test('Add sends the Expires field as for (a duration) or expires (a date)', async () => {
	const page = await browser.open(br, server, 'peers');
	for (const [ text, want ] of [ [ '12h', { 'for': '12h' } ], [ '2026-12-31', { expires: '2026-12-31' } ] ]) {
		await page.getByRole('button', { name: 'Add peer…' }).click();
		const dlg = page.locator('#modal_overlay .modal');
		await dlg.locator('[name="name"]').fill('guest');
		await dlg.locator('[name="expiry"]').fill(text);
		await dlg.getByRole('button', { name: 'Generate' }).click();
		await dlg.locator('.wgowrt-add-result textarea').waitFor();
		const sent = calls('peer_add').pop();
		assert.deepStrictEqual([ sent.expires, sent['for'] ], [ want.expires, want['for'] ], text);
		await dlg.getByRole('button', { name: 'Cancel' }).click();
		await page.waitForFunction(() => !document.body.classList.contains('modal-overlay-active'));
	}
	assert.deepStrictEqual(server.state.violations, []);
	await page.close();
});
