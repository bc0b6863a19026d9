'use strict';
/*
 * The test web server: LuCI's page shell for /cgi-bin/luci/admin/services/
 * wgowrt/<page>, the app's htdocs with the stand-in luci-base classes of
 * test/luci/fake beside them under /luci-static/resources/, and a ubus
 * JSON-RPC endpoint at /ubus/ answering from the pinned rpcd contract.
 *
 * Every call is logged with its arguments; wgowrt calls are checked
 * against list.json (unknown argument names or types are noted in
 * violations); uci add/set/delete/order calls are kept as the session's
 * staged changes, which uci changes reports.
 */
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const contract = require('./contract.js');
const fixtures = require('./fixtures.js');

const htdocs = path.join(contract.repo, 'luci-app', 'htdocs');
const fake = path.join(__dirname, '..', 'fake');

/* the default answer of each wgowrt method: a contract scenario */
const defaults = {
	status: 'status-configured',
	peers: 'peers',
	next_address: 'next-address',
	peer_add: 'peer-add',
	peer_config: 'peer-config',
	peer_remove: 'peer-remove',
	peer_disable: 'peer-disable',
	peer_enable: 'peer-enable',
	peer_rename: 'peer-rename',
	peer_expiry: 'peer-expiry-renew',
	server_init: 'server-init',
	client_import: 'client-import',
	site_add: 'site-add',
	generate_keys: 'generate-psk',
	adopt: 'adopt-wiki',
	role_remove: 'role-remove-server',
	site_remove: 'site-remove'
};

const types = { string: '', boolean: true, number: 32, array: [] };

/* argViolations lists how args stray from a method's signature */
function argViolations(method, args, sigs) {
	const sig = sigs[method];
	if (!sig)
		return [ `${method}: not in list.json` ];
	const out = [];
	for (const [ k, v ] of Object.entries(args || {})) {
		if (!(k in sig)) {
			out.push(`${method}: argument ${k} is not in the signature`);
			continue;
		}
		if (v === null)
			continue;
		const want = sig[k];
		const ok = Array.isArray(want) ? Array.isArray(v) && v.every((x) => typeof x == 'string')
			: typeof want == 'number' ? (typeof v == 'number' || (typeof v == 'string' && /^\d*$/.test(v)))
			: typeof v == typeof want;
		if (!ok)
			out.push(`${method}: argument ${k} is ${JSON.stringify(v)}, the signature wants ${JSON.stringify(want)}`);
	}
	return out;
}

const page = (view) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wgowrt - LuCI (test harness)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/luci-static/test/theme.css">
<script src="/luci-static/resources/luci.js"></script>
</head>
<body data-view="${view}">
<header><a class="brand" href="#">OpenWrt</a><span id="changes-indicator" style="display:none"></span></header>
<div id="maincontent" class="container"><div id="view"></div></div>
</body>
</html>
`;

function start() {
	const sigs = contract.signatures();
	const state = {
		calls: [],          /* [object, method, args] */
		violations: [],
		unknown: [],
		staged: [],         /* uci calls: [method, args] */
		notFound: [],
		overrides: {},      /* 'object.method' -> function(args) => result array */
		uci: fixtures.uciConfigs()
	};

	/* answer one JSON-RPC call: the result array [status, data?] */
	function call(sid, object, method, args) {
		state.calls.push([ object, method, args ]);
		const key = object + '.' + method;
		if (object == 'wgowrt')
			state.violations.push(...argViolations(method, args, sigs));
		if (state.overrides[key])
			return state.overrides[key](args);
		if (object == 'wgowrt' && defaults[method])
			return [ 0, contract.answer(defaults[method]) ];
		if (object == 'uci') {
			switch (method) {
			case 'get':
				return state.uci[args.config] ? [ 0, { values: state.uci[args.config] } ] : [ 4 ];
			case 'add':
			case 'set':
			case 'delete':
			case 'order':
				state.staged.push([ method, args ]);
				return method == 'add' ? [ 0, { section: args.name } ] : [ 0 ];
			case 'changes': {
				const changes = {};
				for (const [ m, a ] of state.staged)
					(changes[a.config] = changes[a.config] || []).push([ m, a.section || a.name || '' ]);
				return [ 0, { changes } ];
			}
			}
		}
		state.unknown.push(key);
		return [ 3 ];
	}

	function rpc(msg) {
		if (!msg || msg.jsonrpc != '2.0' || msg.method != 'call' || !Array.isArray(msg.params))
			return { jsonrpc: '2.0', id: msg && msg.id, error: { code: -32600, message: 'Invalid request' } };
		const [ sid, object, method, args ] = msg.params;
		return { jsonrpc: '2.0', id: msg.id, result: call(sid, object, method, args) };
	}

	function send(res, code, type, body) {
		res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
		res.end(body);
	}

	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://localhost');
		const p = decodeURIComponent(url.pathname);

		if (req.method == 'POST' && p == '/ubus/') {
			let body = '';
			req.on('data', (c) => { body += c });
			req.on('end', () => {
				let msg;
				try { msg = JSON.parse(body) }
				catch (e) { return send(res, 400, 'application/json', JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } })) }
				const reply = Array.isArray(msg) ? msg.map(rpc) : rpc(msg);
				send(res, 200, 'application/json', JSON.stringify(reply));
			});
			return;
		}

		let m = /^\/cgi-bin\/luci\/admin\/services\/wgowrt\/(overview|peers|setup)$/.exec(p);
		if (req.method == 'GET' && m)
			return send(res, 200, 'text/html; charset=utf-8', page('wgowrt/' + m[1]));

		let file = null;
		if (p == '/luci-static/test/theme.css')
			file = path.join(fake, 'theme.css');
		else if ((m = /^\/luci-static\/resources\/([\w./-]+\.js)$/.exec(p)) && !p.includes('..')) {
			const own = path.join(htdocs, 'luci-static', 'resources', m[1]);
			file = fs.existsSync(own) ? own : path.join(fake, m[1]);
		}
		if (req.method == 'GET' && file && fs.existsSync(file))
			return send(res, 200, file.endsWith('.css') ? 'text/css' : 'application/javascript', fs.readFileSync(file));

		state.notFound.push(req.method + ' ' + req.url);
		send(res, 404, 'text/plain', 'not found');
	});

	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			resolve({
				url: `http://127.0.0.1:${port}`,
				state,
				/* answer replaces a method's answer: a function of the args giving the data (or [status]) */
				answer(object, method, fn) {
					state.overrides[object + '.' + method] = (args) => {
						const r = fn(args);
						return (Array.isArray(r) && typeof r[0] == 'number') ? r : [ 0, r ];
					};
				},
				/* calls are the args of each call of object.method so far, in order */
				calls: (object, method) => state.calls.filter(([ o, m ]) => o == object && m == method).map((c) => c[2]),
				reset() {
					state.calls.length = 0;
					state.violations.length = 0;
					state.unknown.length = 0;
					state.staged.length = 0;
					state.notFound.length = 0;
					state.overrides = {};
				},
				close: () => new Promise((r) => server.close(r))
			});
		});
	});
}

module.exports = { start, argViolations };
