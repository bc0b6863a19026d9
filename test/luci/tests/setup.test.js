'use strict';
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { start } = require('../harness/server.js');
const browser = require('../harness/browser.js');
const contract = require('../harness/contract.js');
const staged = require('../harness/staged.js');

let server, br;
before(async () => { server = await start(); br = await browser.launch() });
after(async () => { await br.close(); await server.close() });
beforeEach(() => server.reset());

const calls = (method) => server.calls('wgowrt', method);

/* section is the setup form under the heading title */
const section = (page, title) => page.locator('.cbi-section', { has: page.locator('h3', { hasText: title }) });

/* the form sends the scenario's arguments (text fields trimmed, as parts.values does) */
function sentAsContract(method, scenario) {
	const sent = calls(method);
	assert.strictEqual(sent.length, 1, method + ' called once');
	for (const [ k, v ] of Object.entries(contract.args(scenario)))
		assert.deepStrictEqual(sent[0][k], typeof v == 'string' ? v.trim() : v, method + ' argument ' + k);
	assert.deepStrictEqual(server.state.violations, []);
}

test('server preview shows the plan of server_init and stages it', async () => {
	const page = await browser.open(br, server, 'setup');
	const want = contract.answer('server-init');
	const sec = section(page, 'Create a server');
	await sec.locator('[name="port"]').fill('51820');
	await sec.locator('[name="endpoint"]').fill('vpn.example.com');
	await sec.locator('[name="internet"]').check();
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('pre.wgowrt-changes').waitFor();
	sentAsContract('server_init', 'server-init');
	/* an unticked box asks for nothing: on an existing (adopted) server it would take away what the user made */
	assert.ok(!('client_to_client' in calls('server_init')[0]), 'client_to_client unticked is not sent');
	assert.strictEqual(await sec.locator('.wgowrt-result > p').first().textContent(),
		'wg0 on port 51820 with 10.8.0.1/24, fd12:3456:789a:ff00::1/64; public key kGQt3jDJyKdtv/RHDwOXXWCImxhVV7Un727yorABQ3s=.');
	assert.strictEqual(await sec.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	assert.ok(!(await sec.locator('pre.wgowrt-changes').textContent()).includes(want.edits[0].values.private_key), 'no key shown');

	await sec.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await sec.locator('.alert-message.success').waitFor();
	const got = staged.fromUbus(server.state.staged), expect = staged.fromChanges(want.changes);
	assert.deepStrictEqual(staged.hideSecrets(got, expect), expect);
	assert.strictEqual(server.state.staged.find(([ m, a ]) => m == 'add' && a.name == 'wg0')[1].values.private_key,
		want.edits[0].values.private_key, 'the real key is staged');
	assert.deepStrictEqual(server.state.staged, staged.ubusCalls(want.edits), 'the edits, in order');
	assert.deepStrictEqual(server.calls('uci', 'get'), [], 'the page never reads a config');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('client import reads an uploaded file and previews client_import', async () => {
	const page = await browser.open(br, server, 'setup');
	const a = contract.args('client-import');
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgowrt-upload-'));
	const file = path.join(dir, a.filename);
	fs.writeFileSync(file, a.config);
	const sec = section(page, 'Import a VPN provider configuration');
	await sec.locator('input[type="file"]').setInputFiles(file);
	await page.waitForFunction(() => document.querySelector('textarea[name="config"]').value != '');
	await sec.locator('[name="kill_switch"]').check();
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('pre.wgowrt-changes').waitFor();
	sentAsContract('client_import', 'client-import');
	const want = contract.answer('client-import');
	assert.strictEqual(await sec.locator('.wgowrt-result > p').first().textContent(),
		'provider in full mode, endpoints vpn.provider.example:51820.');
	assert.deepStrictEqual(await sec.locator('.alert-message.notice').allTextContents(), want.info);
	assert.strictEqual(await sec.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	assert.deepStrictEqual(await page.problems(), []);
	fs.rmSync(dir, { recursive: true });
	await page.close();
});

test('client import on a router with dnsmasq stages dhcp\'s edits with the others', async () => {
	const want = contract.answer('client-import-dns');
	server.answer('wgowrt', 'client_import', () => want);
	const page = await browser.open(br, server, 'setup');
	const sec = section(page, 'Import a VPN provider configuration');
	await sec.locator('textarea[name="config"]').fill(contract.args('client-import-dns').config);
	await sec.locator('[name="kill_switch"]').check();
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('pre.wgowrt-changes').waitFor();
	assert.strictEqual(await sec.locator('pre.wgowrt-changes').textContent(), want.changes.join('\n'));
	await sec.getByRole('button', { name: 'Add to unsaved changes' }).click();
	await sec.locator('.alert-message.success').waitFor();
	assert.deepStrictEqual(server.state.staged, staged.ubusCalls(want.edits), 'the edits, dhcp\'s included, in order');
	assert.ok(server.state.staged.some(([ , a ]) => a.config == 'dhcp'), 'dnsmasq steered');
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('site link: Generate fills a preshared key, preview shows site_add', async () => {
	const page = await browser.open(br, server, 'setup');
	const a = contract.args('site-add');
	const sec = section(page, 'Link a site');
	const psk = sec.locator('[name="preshared_key"]');
	assert.strictEqual(await psk.getAttribute('type'), 'password');
	await sec.getByRole('button', { name: 'Generate' }).click();
	await page.waitForFunction(() => document.querySelector('[name="preshared_key"]').value != '');
	assert.strictEqual(await psk.inputValue(), contract.answer('generate-psk').preshared_key);
	assert.strictEqual(await psk.getAttribute('type'), 'text');
	assert.deepStrictEqual(calls('generate_keys'), [ { psk: true } ]);

	await sec.locator('[name="name"]').fill(a.name);
	await sec.locator('[name="public_key"]').fill(a.public_key);
	await sec.locator('[name="endpoint"]').fill(a.endpoint);
	await sec.locator('[name="remote_subnets"]').fill(a.remote_subnets.join(', '));
	await psk.fill(a.preshared_key);
	await sec.getByRole('button', { name: 'Preview' }).click();
	await sec.locator('pre.wgowrt-changes').waitFor();
	sentAsContract('site_add', 'site-add');
	assert.strictEqual(calls('site_add')[0].iface, 'wg0');
	assert.strictEqual(await sec.locator('pre.wgowrt-changes').textContent(), contract.answer('site-add').changes.join('\n'));
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});

test('an error answer is shown with its field; all three previews side by side', async () => {
	const page = await browser.open(br, server, 'setup');
	server.answer('wgowrt', 'server_init', () => contract.answer('err-server-init-bad-port'));
	const sec = section(page, 'Create a server');
	await sec.locator('[name="port"]').fill('70000');
	await sec.getByRole('button', { name: 'Preview' }).click();
	const err = sec.locator('.alert-message.error');
	await err.waitFor();
	assert.match(await err.textContent(), /\(port\)$/);
	assert.strictEqual(await sec.getByRole('button', { name: 'Add to unsaved changes' }).count(), 0);

	/* the other two previews, for the screenshot */
	const cl = section(page, 'Import a VPN provider configuration');
	await cl.locator('textarea[name="config"]').fill(contract.args('client-import').config);
	await cl.getByRole('button', { name: 'Preview' }).click();
	await cl.locator('pre.wgowrt-changes').waitFor();
	const si = section(page, 'Link a site');
	await si.getByRole('button', { name: 'Preview' }).click();
	await si.locator('pre.wgowrt-changes').waitFor();
	assert.deepStrictEqual(await page.problems(), []);
	await page.shot('setup-previews.png');
	await page.close();
});

test('Setup without a server offers no site form', async () => {
	server.answer('wgowrt', 'status', () => contract.answer('status-empty'));
	const page = await browser.open(br, server, 'setup');
	assert.strictEqual(await section(page, 'Link a site').locator('[name="public_key"]').count(), 0);
	assert.match(await section(page, 'Link a site').textContent(), /Create a server first/);
	assert.deepStrictEqual(await page.problems(), []);
	await page.close();
});
