'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { load } = require('./luci-loader.js');

const h = load('wgowrt.helpers');

test('ageText: never, seconds, minutes, hours, days', () => {
	assert.strictEqual(h.ageText(null), 'never');
	assert.strictEqual(h.ageText(undefined), 'never');
	assert.strictEqual(h.ageText(0), '0s ago');
	assert.strictEqual(h.ageText(59.9), '59s ago');
	assert.strictEqual(h.ageText(61), '1m 1s ago');
	assert.strictEqual(h.ageText(3599), '59m 59s ago');
	assert.strictEqual(h.ageText(7322), '2h 2m ago');
	assert.strictEqual(h.ageText(90000), '1d 1h ago');
	assert.strictEqual(h.ageText(-5), 'never');
});

test('bytesText: binary units like wgowrt status', () => {
	assert.strictEqual(h.bytesText(0), '0 B');
	assert.strictEqual(h.bytesText(1023), '1023 B');
	assert.strictEqual(h.bytesText(1024), '1.0 KiB');
	assert.strictEqual(h.bytesText(2048), '2.0 KiB');
	assert.strictEqual(h.bytesText(1536 * 1024), '1.5 MiB');
	assert.strictEqual(h.bytesText(5 * 1024 ** 4), '5.0 TiB');
	assert.strictEqual(h.bytesText(undefined), '0 B');
});

test('states that stand out', () => {
	assert.deepStrictEqual(['active', 'stale', 'never', 'disabled', 'absent'].map(h.needsAttention),
		[false, true, true, false, true]);
	assert.strictEqual(h.stateText('never'), 'never seen');
	assert.strictEqual(h.roleText('server'), 'server');
	assert.strictEqual(h.roleText('other'), 'not managed by wgowrt');
});

test('config download and QR image are data: URLs that round-trip', () => {
	const conf = '[Interface]\nPrivateKey = a+b/c=\nAddress = 10.8.0.2/32\n# 100% ok #\n';
	const href = h.configHref(conf);
	assert.ok(href.startsWith('data:text/plain;charset=utf-8,'));
	assert.strictEqual(decodeURIComponent(href.slice(href.indexOf(',') + 1)), conf);
	assert.ok(!/[\s#]/.test(href), 'no raw blanks or # (which would end the URL)');
	const svg = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M4 4h1v1h-1z"/></svg>';
	assert.strictEqual(decodeURIComponent(h.svgHref(svg).split(',')[1]), svg);
});

test('splitList accepts commas and blanks', () => {
	assert.deepStrictEqual(h.splitList(' 10.0.0.0/8, 192.168.5.0/24  fd00::/8,'), ['10.0.0.0/8', '192.168.5.0/24', 'fd00::/8']);
	assert.deepStrictEqual(h.splitList(''), []);
	assert.deepStrictEqual(h.splitList(undefined), []);
});

test('ubusCalls stages each edit as ubus uci calls, values in the edit\'s order', () => {
	const calls = h.ubusCalls([
		{ op: 'add', config: 'network', section: 'wgowrt_wg0_phone', type: 'wireguard_wg0',
			values: { description: 'phone', public_key: 'K=', allowed_ips: ['10.8.0.2/32'] } },
		{ op: 'set', config: 'network', section: 'wg0', values: { mtu: '1420', listen_port: null } },
		{ op: 'set', config: 'network', section: 'wg1', values: { mtu: null } },
		{ op: 'remove', config: 'wgowrt', section: 'wgowrt_wg0_old' },
		{ op: 'order', config: 'network', sections: ['wg0', 'wgowrt_wg0_phone'] }
	]);
	assert.deepStrictEqual(calls, [
		['add', { config: 'network', type: 'wireguard_wg0', name: 'wgowrt_wg0_phone',
			values: { description: 'phone', public_key: 'K=', allowed_ips: ['10.8.0.2/32'] } }],
		['set', { config: 'network', section: 'wg0', values: { mtu: '1420' } }],
		['delete', { config: 'network', section: 'wg0', options: ['listen_port'] }],
		['delete', { config: 'network', section: 'wg1', options: ['mtu'] }],
		['delete', { config: 'wgowrt', section: 'wgowrt_wg0_old' }],
		['order', { config: 'network', sections: ['wg0', 'wgowrt_wg0_phone'] }]
	]);
	/* the option order of a new section is kept (the file gets the CLI's order) */
	assert.deepStrictEqual(Object.keys(calls[0][1].values), ['description', 'public_key', 'allowed_ips']);
	assert.throws(() => h.ubusCalls([{ op: 'rename', config: 'x' }]));
});

/* a router paging items 0..n-1 (offset/limit), with total, or without paging */
function pager(n, paging) {
	const asked = [];
	const fetch = (offset, limit) => {
		asked.push([offset, limit]);
		if (!paging && offset !== undefined)
			return Promise.resolve({ error: 'unknown argument "offset"', field: 'offset' });
		const from = offset || 0, to = limit === undefined ? n : Math.min(n, from + limit);
		return Promise.resolve({ peers: Array.from({ length: to - from }, (_, i) => from + i), total: paging ? n : undefined });
	};
	return { asked, fetch };
}

test('peerPages asks page by page until total has come', async () => {
	const p = pager(2000, true);
	const res = await h.peerPages(p.fetch, 300);
	assert.strictEqual(res.peers.length, 2000);
	assert.deepStrictEqual(res.peers.slice(298, 302), [298, 299, 300, 301]);
	assert.deepStrictEqual(p.asked.slice(0, 3), [[0, 300], [300, 300], [600, 300]]);
	assert.strictEqual(p.asked.length, 7);
});

test('pages asks a router without paging once more without offset and limit', async () => {
	const p = pager(40, false);
	const res = await h.peerPages(p.fetch, 10);
	assert.strictEqual(res.peers.length, 40);
	assert.deepStrictEqual(p.asked, [[0, 10], [undefined, undefined]]);
});

test('pages stops at an error or an empty page (a router claiming more than it has)', async () => {
	let n = 0;
	const liar = () => Promise.resolve(n++ == 0 ? { peers: [1, 2], total: 10 } : { peers: [], total: 10 });
	assert.deepStrictEqual((await h.peerPages(liar, 2)).peers, [1, 2]);
	assert.strictEqual(n, 2);
	const err = () => Promise.resolve({ error: 'no', field: 'iface' });
	assert.strictEqual((await h.peerPages(err, 2)).error, 'no');
});

test('statusPages pages the interfaces\' peers as one list with one total (the bridge)', async () => {
	const all = [['wg0', 5], ['wg1', 2], ['wgc', 0]].flatMap(([name, n]) => Array.from({ length: n }, (_, i) => [name, name + i]));
	const asked = [];
	const fetch = (offset, limit) => {
		asked.push([offset, limit]);
		const win = all.slice(offset, offset + limit), ifaces = [];
		for (const [name, p] of win) {
			let i = ifaces.find((x) => x.name == name);
			if (!i) ifaces.push(i = { name, peers: [] });
			i.peers.push(p);
		}
		if (offset == 0) ifaces.push({ name: 'wgc', peers: [] });
		return Promise.resolve({ servers: ['wg0', 'wg1'], interfaces: ifaces, total: all.length });
	};
	const st = await h.statusPages(fetch, 3);
	assert.deepStrictEqual(st.interfaces.map((i) => [i.name, i.peers]), [
		['wg0', ['wg00', 'wg01', 'wg02', 'wg03', 'wg04']], ['wgc', []], ['wg1', ['wg10', 'wg11']]]);
	assert.deepStrictEqual(asked, [[0, 3], [3, 3], [6, 3]]);
});

test('statusPages completes each interface by its own total', async () => {
	const ifaces = { wg0: 5, wg1: 2, wgc: 0 };
	const asked = [];
	const fetch = (offset, limit) => {
		asked.push([offset, limit]);
		return Promise.resolve({ servers: ['wg0', 'wg1'], interfaces: Object.entries(ifaces).map(([name, n]) => ({
			name, total: n, peers: Array.from({ length: Math.max(0, Math.min(n, offset + limit) - offset) }, (_, i) => name + (offset + i))
		})) });
	};
	const st = await h.statusPages(fetch, 2);
	assert.deepStrictEqual(st.interfaces.map((i) => i.peers), [
		['wg00', 'wg01', 'wg02', 'wg03', 'wg04'], ['wg10', 'wg11'], []]);
	assert.deepStrictEqual(asked, [[0, 2], [2, 2], [4, 2]]);
});

test('rowPlan updates rows in place and adds, drops and orders by key', () => {
	const items = [{ k: 'b' }, { k: 'c' }, { k: 'a' }, { k: 'c' }];
	const plan = h.rowPlan(['a', 'b', 'x'], items, (i) => i.k);
	assert.deepStrictEqual(plan.update.map((i) => i.k), ['b', 'a']);
	assert.deepStrictEqual(plan.add.map((i) => i.k), ['c']);
	assert.deepStrictEqual(plan.remove, ['x']);
	assert.deepStrictEqual(plan.order, ['b', 'c', 'a']);
});

test('rowPlan of an unchanged 200-peer table touches no row structure', () => {
	const keys = Array.from({ length: 200 }, (_, i) => 'peer' + i);
	const plan = h.rowPlan(keys, keys.map((k) => ({ k })), (i) => i.k);
	assert.strictEqual(plan.add.length + plan.remove.length, 0);
	assert.strictEqual(plan.update.length, 200);
	assert.deepStrictEqual(plan.order, keys);
});

test('expiryArgs: a duration goes as for, a date or never as expires, empty as neither', () => {
	assert.deepStrictEqual(h.expiryArgs(''), { expires: undefined, 'for': undefined });
	assert.deepStrictEqual(h.expiryArgs('  '), { expires: undefined, 'for': undefined });
	assert.deepStrictEqual(h.expiryArgs(null), { expires: undefined, 'for': undefined });
	assert.deepStrictEqual(h.expiryArgs('7d'), { expires: undefined, 'for': '7d' });
	assert.deepStrictEqual(h.expiryArgs(' 1d12h '), { expires: undefined, 'for': '1d12h' });
	assert.deepStrictEqual(h.expiryArgs('2026-12-31'), { expires: '2026-12-31', 'for': undefined });
	assert.deepStrictEqual(h.expiryArgs('never'), { expires: 'never', 'for': undefined });
	assert.deepStrictEqual(h.expiryArgs('7 days'), { expires: '7 days', 'for': undefined });
});

test('expiryText: until or expired, UTC, seconds only when there are some', () => {
	assert.strictEqual(h.expiryText({}), '');
	assert.strictEqual(h.expiryText({ expires: '2026-12-03T10:00:00Z' }), 'until 2026-12-03 10:00 UTC');
	assert.strictEqual(h.expiryText({ expires: '2026-12-03T10:00:05Z' }), 'until 2026-12-03 10:00:05 UTC');
	assert.strictEqual(h.expiryText({ expires: '2026-12-03T10:00:00Z', expired: '2026-12-03T10:00:01Z' }), 'expired 2026-12-03 10:00 UTC');
	assert.strictEqual(h.stateText('expired'), 'expired');
});

test('heldText: only for a held endpoint, the name as it is (a % in it is not a format)', () => {
	const note = (n) => 'endpoint ' + n + ': held, name does not resolve yet (the supervisor sets it once it does)';
	assert.strictEqual(h.heldText({ endpoint_host: 'vpn.example.org' }), '');
	assert.strictEqual(h.heldText(undefined), '');
	assert.strictEqual(h.heldText({ endpoint_held: true, endpoint_host: 'vpn.example.org' }), note('vpn.example.org'));
	assert.strictEqual(h.heldText({ endpoint_held: true, endpoint: 'vpn.example.org:51820' }), note('vpn.example.org:51820'));
	assert.strictEqual(h.heldText({ endpoint_held: true, endpoint_host: "%s$&$'<b>x</b>" }), note("%s$&$'<b>x</b>"));
});

test('roleAction: Adopt only for an interface wgowrt did not create, Remove only for its server and client', () => {
	assert.strictEqual(h.roleAction('other'), 'adopt');
	assert.strictEqual(h.roleAction('server'), 'remove');
	assert.strictEqual(h.roleAction('client'), 'remove');
	for (const r of [ '', undefined, null, 'gateway', 'Server', 'other ', 'server<b>', 'constructor', '__proto__' ])
		assert.strictEqual(h.roleAction(r), null, JSON.stringify(r));
});

test('reachedThrough: the page host is one of the tunnel\'s own addresses', () => {
	const addrs = [ '10.8.0.1/24', 'fd12:3456:789a:ff00::1/64' ];
	assert.strictEqual(h.reachedThrough(addrs, '10.8.0.1'), true);
	assert.strictEqual(h.reachedThrough(addrs, '[FD12:3456:789a:ff00::1]'), true);
	assert.strictEqual(h.reachedThrough(addrs, '10.8.0.10'), false, 'not a prefix match');
	assert.strictEqual(h.reachedThrough(addrs, '192.168.1.1'), false);
	assert.strictEqual(h.reachedThrough(addrs, 'router.lan'), false);
	assert.strictEqual(h.reachedThrough(addrs, ''), false);
	assert.strictEqual(h.reachedThrough([ '' ], ''), false, 'an empty host never matches');
	assert.strictEqual(h.reachedThrough(undefined, '10.8.0.1'), false);
});
