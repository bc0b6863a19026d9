'use strict';
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const fixtures = require('../harness/fixtures.js');
const contract = require('../harness/contract.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => server.reset());

/* rows reads each interface section: its summary and its peer rows */
function readSections(page) {
	return page.evaluate(() => Array.from(document.querySelectorAll('[data-iface]')).map((sec) => ({
		name: sec.getAttribute('data-iface'),
		title: sec.querySelector('h3').textContent,
		summary: sec.querySelector('.wgowrt-summary').textContent,
		key: sec.querySelector('.wgowrt-key code').textContent,
		emptyShown: sec.querySelector('.wgowrt-empty').style.display != 'none',
		rows: Array.from(sec.querySelectorAll('tr[data-key]')).map((tr) => ({
			key: tr.getAttribute('data-key'),
			cells: Array.from(tr.children).map((td) => td.textContent),
			attention: tr.classList.contains('wgowrt-attention'),
			color: getComputedStyle(tr.children[0]).color,
			handshakeStyle: getComputedStyle(tr.children[3]).fontStyle,
			opacity: getComputedStyle(tr.children[0]).opacity
		}))
	})));
}

test('Overview shows the configured status of the contract without errors', async () => {
	const page = await browser.open(br, server, 'overview');
	const want = contract.answer('status-configured');
	const secs = await readSections(page);
	assert.deepStrictEqual(secs.map((s) => s.name), want.interfaces.map((i) => i.name));
	assert.strictEqual(secs[0].summary, 'server · port 51820 · 10.8.0.1/24, fd12:3456:789a:ff00::1/64 · not running');
	assert.strictEqual(secs[0].key, want.interfaces[0].public_key);
	assert.deepStrictEqual(secs[0].rows.map((r) => r.cells), [
		[ 'phone', '—', '10.8.0.2/32, fd12:3456:789a:ff00::2/128', 'never', '↓ 0 B / ↑ 0 B', 'not running' ],
		[ 'old', '—', '10.8.0.3/32, fd12:3456:789a:ff00::3/128', 'never', '↓ 0 B / ↑ 0 B', 'disabled' ]
	]);
	assert.deepStrictEqual(secs[0].rows.map((r) => r.attention), [ true, false ], 'absent stands out, disabled does not');
	assert.strictEqual(secs[0].emptyShown, false);
	assert.deepStrictEqual(await page.problems(), []);
	assert.deepStrictEqual(server.state.unknown, []);
	assert.deepStrictEqual(server.state.violations, []);
	assert.strictEqual(await page.locator('.cbi-page-actions button').count(), 0, 'no Save/Apply/Reset on a status page');
	await page.shot('overview-configured.png');
	await page.close();
});

test('Overview formats handshake ages and transfer and marks stale and never-seen peers', async () => {
	server.answer('wgowrt', 'status', () => fixtures.liveStatus());
	const page = await browser.open(br, server, 'overview');
	const secs = await readSections(page);
	assert.deepStrictEqual(secs.map((s) => s.name), [ 'wg0', 'provider' ]);
	const [ wg0, provider ] = secs;
	assert.strictEqual(wg0.summary, 'server · port 51820 · 10.8.0.1/24, fd12:3456:789a:ff00::1/64 · running');
	assert.deepStrictEqual(wg0.rows.map((r) => r.cells), [
		[ 'phone', '203.0.113.7:51902', '10.8.0.2/32, fd12:3456:789a:ff00::2/128', '42s ago', '↓ 2.0 KiB / ↑ 100 B', 'active' ],
		[ 'laptop', '198.51.100.20:40000', '10.8.0.4/32', '2h 2m ago', '↓ 1.5 MiB / ↑ 5.0 GiB', 'stale' ],
		[ 'tablet', '—', '10.8.0.5/32', 'never', '↓ 0 B / ↑ 0 B', 'never seen' ],
		[ 'old', '—', '10.8.0.3/32, fd12:3456:789a:ff00::3/128', 'never', '↓ 0 B / ↑ 0 B', 'disabled' ]
	]);
	assert.deepStrictEqual(wg0.rows.map((r) => r.attention), [ false, true, true, false ]);
	/* the marks are visible, not only classes: the theme's text colour vs the view's own */
	assert.notStrictEqual(wg0.rows[1].color, wg0.rows[0].color);
	assert.strictEqual(wg0.rows[1].color, 'rgb(179, 89, 0)');
	assert.strictEqual(wg0.rows[2].handshakeStyle, 'italic');
	assert.strictEqual(wg0.rows[3].opacity, '0.6');
	assert.strictEqual(provider.summary, 'client · 10.64.12.7/32 · running');
	assert.deepStrictEqual(provider.rows[0].cells,
		[ 'vpn.provider.example', '192.0.2.10:51820', '0.0.0.0/0', '1d 1h ago', '↓ 1023 B / ↑ 1.0 KiB', 'active' ]);
	assert.deepStrictEqual(await page.problems(), []);
	await page.shot('overview-live.png');
	await page.close();
});

test('Overview of an empty router says so', async () => {
	server.answer('wgowrt', 'status', () => contract.answer('status-empty'));
	const page = await browser.open(br, server, 'overview');
	assert.strictEqual(await page.locator('[data-iface]').count(), 0);
	assert.ok(await page.locator('.wgowrt-none').isVisible());
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('a failed status call is reported, not shown as an empty router', async () => {
	server.answer('wgowrt', 'status', () => [ 6 ]);
	const page = await browser.open(br, server, 'overview');
	const warn = page.locator('.wgowrt-warning');
	assert.ok(await warn.isVisible());
	assert.strictEqual(await warn.textContent(), 'The router gave no answer.');
	assert.ok(!(await page.locator('.wgowrt-none').isVisible()));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('a poll of a 200-peer status updates the rows in place', async (t) => {
	let round = 0;
	server.answer('wgowrt', 'status', () => fixtures.bigStatus(200, round));
	const page = await browser.open(br, server, 'overview');
	assert.strictEqual(await page.locator('tr[data-key]').count(), 200);

	/* tag every row and cell node and watch the table's structure */
	await page.evaluate(() => {
		const table = document.querySelector('[data-iface="wg0"] table');
		document.querySelectorAll('tr[data-key]').forEach((tr, i) => {
			tr.__tag = i;
			Array.from(tr.children).forEach((td, j) => { td.__tag = i + '/' + j });
		});
		window.__structure = 0;
		window.__text = 0;
		new MutationObserver((ms) => ms.forEach((m) => {
			if (m.type == 'childList' && (m.target === table || m.target.tagName == 'TBODY'))
				window.__structure++;
			else
				window.__text++;
		})).observe(table, { childList: true, subtree: true, characterData: true });
	});

	const before = await page.evaluate(() => document.querySelector('tr[data-key="' + CSS.escape(document.querySelectorAll('tr[data-key]')[1].getAttribute('data-key')) + '"]').textContent);
	round = 1;
	const calls = server.state.calls.length;
	const ms = await page.evaluate(async () => {
		const t0 = performance.now();
		await window.__luci.poll.step();
		return performance.now() - t0;
	});
	assert.ok(server.state.calls.slice(calls).some(([ o, m ]) => o == 'wgowrt' && m == 'status'), 'the poll asked for the status');

	const res = await page.evaluate(() => {
		const rows = Array.from(document.querySelectorAll('tr[data-key]'));
		return {
			count: rows.length,
			sameRows: rows.every((tr, i) => tr.__tag === i),
			sameCells: rows.every((tr, i) => Array.from(tr.children).every((td, j) => td.__tag === i + '/' + j)),
			structure: window.__structure,
			text: window.__text,
			peer1: Array.from(rows[1].children).map((td) => td.textContent),
			attention: rows.map((tr) => tr.classList.contains('wgowrt-attention'))
		};
	});
	assert.strictEqual(res.count, 200);
	assert.ok(res.sameRows, 'every row is the node it was');
	assert.ok(res.sameCells, 'every cell is the node it was');
	assert.strictEqual(res.structure, 0, 'no row was added, removed or moved');
	assert.ok(res.text > 0, 'cells were rewritten');
	assert.notStrictEqual(res.peer1.join('|'), before);
	/* peer1 in round 1: 10+1+30 s, 1000+4096 B received, 500+1024 B sent, (1+1)%5 -> active */
	assert.deepStrictEqual(res.peer1.slice(3), [ '41s ago', '↓ 5.0 KiB / ↑ 1.5 KiB', 'active' ]);
	const want = Array.from({ length: 200 }, (_, i) => i % 7 == 0 || (i + 1) % 5 == 0);
	assert.deepStrictEqual(res.attention, want, 'stale/never marks follow the new states');
	assert.deepStrictEqual(await page.problems(), []);
	t.diagnostic(`200-peer poll applied in ${ms.toFixed(1)} ms`);
	await page.shot('overview-200.png', { fullPage: false });
	await page.close();
});

test('a poll that drops and adds peers changes only those rows', async () => {
	let st = fixtures.liveStatus();
	server.answer('wgowrt', 'status', () => st);
	const page = await browser.open(br, server, 'overview');
	await page.evaluate(() => document.querySelectorAll('tr[data-key]').forEach((tr) => { tr.__kept = true }));
	st = fixtures.liveStatus();
	const wg0 = st.interfaces[0];
	const gone = wg0.peers.splice(2, 1)[0];
	wg0.peers.push(Object.assign({}, wg0.peers[0], { name: 'new', public_key: fixtures.key(9, 'new'), state: 'never', handshake_age_seconds: null }));
	await page.evaluate(() => window.__luci.poll.step());
	const rows = await page.evaluate(() => Array.from(document.querySelectorAll('[data-iface="wg0"] tr[data-key]'))
		.map((tr) => [ tr.children[0].textContent, !!tr.__kept ]));
	assert.deepStrictEqual(rows, [ [ 'phone', true ], [ 'laptop', true ], [ 'old', true ], [ 'new', false ] ]);
	assert.strictEqual(await page.locator(`tr[data-key="${gone.public_key}"]`).count(), 0);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

/*
 * A router that pages its answers as the bridge does (status and peers take
 * offset and limit and answer total and offset at the top; status takes its
 * window over the interfaces' peers as one list): the views ask page by
 * page from the first call on (250 peers a page), so a 1 000-peer server
 * never needs one answer beyond rpcd's buffer.
 */
function pageOf(list, args) {
	const from = +args.offset || 0;
	return args.limit === undefined ? list.slice(from) : list.slice(from, from + +args.limit);
}

test('Overview and Peers fetch every page of a paged status and peers answer', async () => {
	const st = fixtures.bigStatus(1000, 0);
	st.interfaces.push({ addresses: [], disabled: false, listen_port: 0, name: 'wgc', peers: fixtures.bigStatus(30, 0).interfaces[0].peers
		.map((p) => Object.assign({}, p, { public_key: 'c' + p.public_key.slice(1), name: 'c' + p.name })),
		public_key: fixtures.key(9, 'client'), role: 'client', running: true });
	server.answer('wgowrt', 'status', (args) => {
		const flat = st.interfaces.flatMap((i) => i.peers.map((p) => [ i, p ]));
		const win = pageOf(flat, args), out = JSON.parse(JSON.stringify(st));
		out.interfaces = st.interfaces.filter((i) => (+args.offset || 0) == 0 || win.some(([ j ]) => j === i))
			.map((i) => Object.assign({}, i, { peers: win.filter(([ j ]) => j === i).map(([ , p ]) => p) }));
		return Object.assign(out, { total: flat.length, offset: +args.offset || 0 });
	});
	const pr = contract.answer('peers'), t = pr.peers[0];
	pr.peers = st.interfaces[0].peers.map((p) => Object.assign({}, t, { name: p.name, section: 'network.' + p.section, public_key: p.public_key }));
	server.answer('wgowrt', 'peers', (args) => Object.assign({}, pr, { peers: pageOf(pr.peers, args), total: pr.peers.length, offset: +args.offset || 0 }));

	const page = await browser.open(br, server, 'overview');
	assert.strictEqual(await page.locator('[data-iface="wg0"] tr[data-key]').count(), 1000);
	assert.strictEqual(await page.locator('[data-iface="wgc"] tr[data-key]').count(), 30);
	const sent = server.state.calls.filter(([ o, m ]) => m == 'status').map((c) => c[2]);
	assert.deepStrictEqual(sent, [ 0, 250, 500, 750, 1000 ].map((offset) => ({ offset, limit: 250 })));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();

	server.state.calls.length = 0;
	const peers = await browser.open(br, server, 'peers');
	await peers.waitForFunction(() => document.querySelectorAll('tr[data-key]').length == 1000);
	const rows = await peers.evaluate(() => Array.from(document.querySelectorAll('tr[data-key]')).map((tr) => tr.children[0].textContent));
	assert.deepStrictEqual(rows, pr.peers.map((p) => p.name));
	assert.deepStrictEqual(server.state.calls.filter(([ o, m ]) => m == 'peers').map((c) => c[2]),
		[ 0, 250, 500, 750 ].map((offset) => ({ iface: 'wg0', offset, limit: 250 })));
	assert.deepStrictEqual(server.state.violations, []);
	assert.deepStrictEqual(await peers.problems(), []);
	await peers.close();
});

test('Overview marks a device that cannot be read and still shows the others', async () => {
	server.answer('wgowrt', 'status', () => {
		const st = fixtures.liveStatus();
		st.interfaces.push({ addresses: [], disabled: false, listen_port: 0, name: 'x', peers: [], public_key: '', role: '',
			running: false, error: 'no process answers on /var/run/wireguard/x.sock <b id="inj">x</b>' });
		return st;
	});
	const page = await browser.open(br, server, 'overview');
	const secs = await readSections(page);
	assert.deepStrictEqual(secs.map((s) => s.name), [ 'wg0', 'provider', 'x' ]);
	assert.match(secs[0].summary, / · running$/);
	assert.match(secs[2].summary, /unreadable: no process answers on \/var\/run\/wireguard\/x\.sock <b id="inj">x<\/b>$/);
	assert.strictEqual(await page.locator('#inj').count(), 0, 'the error is text, never HTML');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
