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

/* a recording stand-in for uci.js */
function fakeUCI() {
	const calls = [];
	const rec = (op) => (...a) => { calls.push([op, ...a]); };
	return { calls, add: rec('add'), set: rec('set'), unset: rec('unset'), remove: rec('remove'), move: rec('move') };
}

test('stageEdits maps each edit onto uci.js calls', () => {
	const uci = fakeUCI();
	const touched = h.stageEdits(uci, [
		{ op: 'add', config: 'network', section: 'wgowrt_wg0_phone', type: 'wireguard_wg0',
			values: { description: 'phone', allowed_ips: ['10.8.0.2/32'] } },
		{ op: 'set', config: 'network', section: 'wg0', values: { mtu: '1420', listen_port: null } },
		{ op: 'remove', config: 'wgowrt', section: 'wgowrt_wg0_old' },
		{ op: 'order', config: 'network', sections: ['wg0', 'wgowrt_wg0_phone'] }
	]);
	assert.deepStrictEqual(touched, ['network', 'wgowrt']);
	assert.deepStrictEqual(uci.calls, [
		['add', 'network', 'wireguard_wg0', 'wgowrt_wg0_phone'],
		['set', 'network', 'wgowrt_wg0_phone', 'allowed_ips', ['10.8.0.2/32']],
		['set', 'network', 'wgowrt_wg0_phone', 'description', 'phone'],
		['unset', 'network', 'wg0', 'listen_port'],
		['set', 'network', 'wg0', 'mtu', '1420'],
		['remove', 'wgowrt', 'wgowrt_wg0_old'],
		['move', 'network', 'wg0', null],
		['move', 'network', 'wgowrt_wg0_phone', null]
	]);
	assert.throws(() => h.stageEdits(fakeUCI(), [{ op: 'rename', config: 'x' }]));
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
