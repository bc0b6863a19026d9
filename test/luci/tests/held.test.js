'use strict';
/*
 * A peer whose endpoint the supervisor holds back because its name does
 * not resolve yet (status-held / peers-held of the contract: the site
 * office held, the site depot not): Overview says so in the Endpoint cell,
 * Peers after the state, both as text, also with a hostile name; a poll
 * without the hold takes the marker away.
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

const note = (name) => 'endpoint ' + name + ': held, name does not resolve yet (the supervisor sets it once it does)';

/* status-held with the held peer's name replaced (and the hold dropped when name is null) */
function heldStatus(name) {
	const st = contract.answer('status-held');
	st.interfaces[0].peers = st.interfaces[0].peers.map((p) => {
		if (!p.endpoint_held)
			return p;
		const q = Object.assign({}, p, { endpoint_host: name });
		if (name === null) {
			delete q.endpoint_held;
			delete q.endpoint_host;
		}
		return q;
	});
	return st;
}

function overviewRows(page) {
	return page.evaluate(() => Array.from(document.querySelectorAll('tr[data-key]')).map((tr) => ({
		name: tr.children[0].textContent, endpoint: tr.children[1].textContent,
		held: tr.getAttribute('data-held'), attention: tr.classList.contains('wgowrt-attention')
	})));
}

test('Overview shows a held endpoint in the Endpoint cell, and only for the held peer', async () => {
	server.answer('wgowrt', 'status', () => contract.answer('status-held'));
	const page = await browser.open(br, server, 'overview');
	await page.locator('tr[data-key]').first().waitFor();
	assert.deepStrictEqual(await overviewRows(page), [
		{ name: 'phone', endpoint: '—', held: '0', attention: true },
		{ name: 'office', endpoint: note('office.example.com'), held: '1', attention: true },
		{ name: 'depot', endpoint: '—', held: '0', attention: true }
	]);
	server.answer('wgowrt', 'status', () => heldStatus(null));
	await page.evaluate(() => window.__luci.poll.step());
	await page.waitForFunction(() => document.querySelector('tr[data-held="1"]') === null);
	assert.strictEqual((await overviewRows(page))[1].endpoint, '—', 'released: the marker goes at the next poll');
	assert.deepStrictEqual(await page.problems(), []);
	assert.deepStrictEqual(server.state.violations, []);
	await page.shot('overview-held.png');
	await page.close();
});

test('a hostile held name stays text on Overview and Peers', async () => {
	const name = 'x.example' + PAYLOAD;
	server.answer('wgowrt', 'status', () => heldStatus(name));
	server.answer('wgowrt', 'peers', () => contract.answer('peers-held'));
	for (const view of [ 'overview', 'peers' ]) {
		const page = await browser.open(br, server, view, { init });
		await page.locator('tr[data-key]').nth(1).waitFor();
		const got = await check(page);
		assert.deepStrictEqual([ got.elements, got.fired, got.handlers, got.scripts ], [ [], [], [], [] ], view);
		const text = await page.locator('tr[data-key]').nth(1).textContent();
		assert.ok(text.includes(note(name)), view + ': the held note with the name as it is: ' + text);
		assert.deepStrictEqual(await page.problems(), []);
		await page.close();
	}
});

test('Peers shows a held endpoint after the state, from the status answer or else the peers answer', async () => {
	server.answer('wgowrt', 'status', () => contract.answer('status-held'));
	server.answer('wgowrt', 'peers', () => contract.answer('peers-held'));
	const page = await browser.open(br, server, 'peers');
	await page.locator('tr[data-key]').nth(2).waitFor();
	const states = () => page.evaluate(() => Array.from(document.querySelectorAll('tr[data-key]')).map((tr) =>
		[ tr.children[0].textContent, tr.children[2].textContent, tr.getAttribute('data-endpoint-held') ]));
	assert.deepStrictEqual(await states(), [
		[ 'phone', 'not running', '0' ],
		[ 'office', 'not running · ' + note('office.example.com'), '1' ],
		[ 'depot', 'not running', '0' ]
	]);
	/* no status answer for the peers: the peers answer's endpoint_held (with its host:port) */
	server.answer('wgowrt', 'status', () => contract.answer('status-empty'));
	await page.evaluate(() => window.__luci.poll.step());
	await page.waitForFunction(() => /office\.example\.com:51820/.test(document.body.innerText));
	assert.deepStrictEqual((await states())[1], [ 'office', 'not running · ' + note('office.example.com:51820'), '1' ]);
	assert.deepStrictEqual(await page.problems(), []);
	assert.deepStrictEqual(server.state.violations, []);
	await page.close();
});
