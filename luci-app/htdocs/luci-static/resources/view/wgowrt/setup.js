'use strict';
'require view';
'require rpc';
'require ui';
'require dom';
'require wgowrt.helpers as helpers';
'require wgowrt.parts as parts';

/* shared with the other views (wgowrt/parts.js) */
var button = parts.button;

/*
 * Setup: create a server, import a VPN provider's configuration (pasted or
 * uploaded) with the routing mode, link another site. Each form asks
 * wgowrt for the plan first and shows it; only "Add to unsaved changes"
 * stages it, and LuCI's Save & Apply commits it with rollback.
 *
 * Sample answer of wgowrt.server_init (trimmed):
 * { "version": 1, "changes": [ "network.wg0='interface'", … ],
 *   "warnings": [], "notes": [], "edits": [ { "op": "add",
 *   "config": "network", "section": "wg0", "type": "interface",
 *   "values": { "proto": "wireguard", … } } ], "configs": [ "network",
 *   "firewall", "wgowrt" ], "iface": "wg0", "listen_port": 51820,
 *   "public_key": "…", "addresses": [ "10.8.0.1/24" ] }
 */

var callStatusPage = rpc.declare({
	object: 'wgowrt',
	method: 'status',
	params: [ 'offset', 'limit' ],
	expect: { '': {} }
});

/* callStatus asks for the servers only: one peer a page keeps the answer small */
function callStatus() {
	return helpers.pages(callStatusPage, 1, function() { return 0 }, function() { return false }, null);
}

var callServerInit = rpc.declare({
	object: 'wgowrt',
	method: 'server_init',
	params: [ 'iface', 'port', 'subnet', 'ipv6', 'endpoint', 'lan_access', 'internet', 'client_to_client' ],
	expect: { '': {} }
});

var callClientImport = rpc.declare({
	object: 'wgowrt',
	method: 'client_import',
	params: [ 'config', 'filename', 'iface', 'mode', 'allowed', 'kill_switch', 'lan', 'allow' ],
	expect: { '': {} }
});

var callSiteAdd = rpc.declare({
	object: 'wgowrt',
	method: 'site_add',
	params: [ 'iface', 'name', 'public_key', 'endpoint', 'remote_subnets', 'local_subnets', 'preshared_key', 'keepalive' ],
	expect: { '': {} }
});

var callGenerateKeys = rpc.declare({
	object: 'wgowrt',
	method: 'generate_keys',
	params: [ 'psk' ],
	expect: { '': {} }
});

/* section is one setup form with its result area */
function section(title, descr, form, onPreview) {
	var result = E('div', { 'class': 'wgowrt-result' });

	return E('div', { 'class': 'cbi-section' }, [
		E('h3', {}, [ title ]),
		E('div', { 'class': 'cbi-section-descr' }, [ descr ]),
		form,
		E('div', { 'class': 'cbi-page-actions' },
			button(_('Preview'), 'cbi-button-action', ui.createHandlerFn(null, function() {
				return onPreview(parts.values(form), result);
			}))),
		result
	]);
}

/* showPlan renders an answer with its summary and the staging button */
function showPlan(result, res, summary) {
	var msg = parts.errorText(res);
	if (msg) {
		dom.content(result, parts.text('div', { 'class': 'alert-message error' }, msg));
		return;
	}

	var stageBtn = button(_('Add to unsaved changes'), 'cbi-button-positive', ui.createHandlerFn(null, function() {
		return parts.stage(res).then(function() {
			dom.content(result, parts.text('div', { 'class': 'alert-message success' },
				_('Added to the unsaved changes. Save & Apply activates them; LuCI rolls them back if the router becomes unreachable.')));
		});
	}));

	dom.content(result, [
		summary ? parts.text('p', { 'class': 'wgowrt-summary' }, summary) : '',
		parts.preview(res),
		res.changes && res.changes.length ? E('div', { 'class': 'right' }, stageBtn) : ''
	]);
}

return view.extend({
	load: function() {
		return callStatus();
	},

	render: function(st) {
		var servers = (st && st.servers) || [];

		return E('div', { 'class': 'wgowrt-setup' }, [
			E('h2', {}, [ _('WireGuard setup') ]),
			E('div', { 'class': 'cbi-map-descr' },
				[ _('Each form shows what would change first. Nothing is saved until you add it to the unsaved changes and press Save & Apply.') ]),
			this.renderServer(),
			this.renderClient(),
			this.renderSite(servers)
		]);
	},

	renderServer: function() {
		var form = E('div', [
			parts.field(_('Interface name'), parts.textInput('iface', 'wg0')),
			parts.field(_('Listen port'), parts.textInput('port', '', '51820')),
			parts.field(_('Tunnel subnet (IPv4)'), parts.textInput('subnet', '', _('automatic')),
				_('A private subnet not used elsewhere, e.g. 10.8.0.0/24.')),
			parts.field(_('Tunnel subnet (IPv6)'), parts.textInput('ipv6', '', _('automatic')),
				_('A CIDR, "auto" (a /64 of the ULA prefix) or "off".')),
			parts.field(_('Public host name or address'), parts.textInput('endpoint', '', 'vpn.example.com'),
				_('What peers dial to reach this router.')),
			parts.field(_('LAN access'), parts.select('lan_access', [
				[ '', _('Default (routed)') ], [ 'routed', _('Routed: the LAN sees peer addresses') ],
				[ 'masquerade', _('Masquerade: the LAN sees the router') ], [ 'none', _('None') ] ], '')),
			parts.field(_('Internet access'), parts.checkbox('internet', false),
				_('Peers may use this router\'s internet connection.')),
			parts.field(_('Client to client'), parts.checkbox('client_to_client', false),
				_('Peers may reach each other.'))
		]);

		return section(_('Create a server'), _('Phones, laptops and other routers connect to this router.'), form,
			function(v, result) {
				/*
				 * An unticked box asks for nothing (a new server has neither):
				 * on a server that exists, adopted ones included, it would ask
				 * to take away what the user made.
				 */
				return callServerInit(v.iface, v.port, v.subnet, v.ipv6, v.endpoint, v.lan_access, v.internet || undefined,
					v.client_to_client || undefined).then(function(res) {
					showPlan(result, res, res.iface ? _('%s on port %d with %s; public key %s.').format(
						res.iface, res.listen_port, (res.addresses || []).join(', '), res.public_key) : null);
				});
			});
	},

	renderClient: function() {
		var text = E('textarea', { 'class': 'cbi-input-textarea', 'name': 'config', 'rows': 10,
			'style': 'width:100%;font-family:monospace', 'placeholder': '[Interface]\nPrivateKey = …\nAddress = …\n\n[Peer]\n…' });
		var filename = E('input', { 'type': 'hidden', 'name': 'filename', 'value': '' });
		var upload = E('input', { 'type': 'file', 'accept': '.conf,text/plain' });

		upload.addEventListener('change', function() {
			var f = upload.files && upload.files[0];
			if (!f)
				return;
			var r = new FileReader();
			r.onload = function() {
				text.value = r.result;
				filename.value = f.name;
			};
			r.readAsText(f);
		});

		var form = E('div', [
			parts.field(_('Configuration file'), E('div', [ upload, filename ]),
				_('The .conf file your provider gave you; it is read in the browser and never stored as a file.')),
			parts.field(_('…or paste it'), text),
			parts.field(_('Interface name'), parts.textInput('iface', '', _('from the file name, else wgc'))),
			parts.field(_('Mode'), parts.select('mode', [
				[ '', _('Automatic') ], [ 'full', _('Full') ], [ 'split', _('Split') ], [ 'source', _('Source') ] ], ''),
				_('Automatic: full when the provider routes everything, else split. Full: the LAN\'s traffic through the tunnel; the router stays on wan. Split: only the networks below through the tunnel. Source: only traffic from the tunnel address (44Net).')),
			parts.field(_('Networks through the tunnel'), parts.textInput('allowed', '', '10.0.0.0/8'),
				_('Split mode only; comma separated.')),
			parts.field(_('Kill switch'), parts.checkbox('kill_switch', false),
				_('Refuse traffic meant for the tunnel while it is down instead of sending it via wan.')),
			parts.field(_('LAN through the tunnel'), parts.select('lan', [
				[ '', _('Default (masquerade)') ], [ 'masquerade', _('Masquerade') ], [ 'none', _('None') ] ], '')),
			parts.field(_('Services reachable through the tunnel'), parts.textInput('allow', '', 'tcp/22'),
				_('PROTO/PORT on this router, comma separated.'))
		]);

		return section(_('Import a VPN provider configuration'),
			_('This router connects to a VPN provider (or ARDC 44Net) with the provider\'s wg-quick file.'), form,
			function(v, result) {
				return callClientImport(v.config, v.filename, v.iface, v.mode, helpers.splitList(v.allowed),
					v.kill_switch, v.lan, helpers.splitList(v.allow)).then(function(res) {
					var c = res.client;
					showPlan(result, res, c ? _('%s in %s mode, endpoints %s.').format(
						c.iface, c.mode, (c.endpoints || []).join(', ')) : null);
				});
			});
	},

	renderSite: function(servers) {
		if (!servers.length)
			return E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, [ _('Link a site') ]),
				E('p', {}, [ parts.text('em', { 'class': 'wgowrt-no-server' }, _('Create a server first: a site is linked through it.')) ])
			]);

		var psk = parts.textInput('preshared_key', '', _('none'));
		psk.type = 'password';

		var form = E('div', [
			parts.field(_('Interface'), parts.select('iface', servers.map(function(s) { return [ s, s ] }), servers[0])),
			parts.field(_('Site name'), parts.textInput('name', '', 'office')),
			parts.field(_('Other router\'s public key'), parts.textInput('public_key', '')),
			parts.field(_('Other router\'s endpoint'), parts.textInput('endpoint', '', 'office.example.com:51820'),
				_('Leave empty when only the other side can start the tunnel.')),
			parts.field(_('Remote subnets'), parts.textInput('remote_subnets', '', '192.168.20.0/24'),
				_('The other site\'s LAN; comma separated.')),
			parts.field(_('Local subnets'), parts.textInput('local_subnets', '', _('auto (the lan zone)'))),
			parts.field(_('Preshared key'), E('div', [ psk, ' ',
				button(_('Generate'), 'cbi-button-neutral', ui.createHandlerFn(null, function() {
					return callGenerateKeys(true).then(function(res) {
						if (res && res.preshared_key) {
							psk.value = res.preshared_key;
							psk.type = 'text';
						}
					});
				})) ]), _('The same key goes into the other router\'s configuration.')),
			parts.field(_('Keepalive'), parts.textInput('keepalive', '', '25'), _('Seconds; 0 turns it off.'))
		]);

		return section(_('Link a site'), _('Route another router\'s LAN through the tunnel, both ways, without NAT.'), form,
			function(v, result) {
				return callSiteAdd(v.iface, v.name, v.public_key, v.endpoint, helpers.splitList(v.remote_subnets),
					helpers.splitList(v.local_subnets), v.preshared_key, v.keepalive).then(function(res) {
					showPlan(result, res, null);
				});
			});
	},

	/* the plans are staged already: Save & Apply only applies */
	handleSave: function() {
		return ui.changes.init();
	},

	handleSaveApply: function(ev, mode) {
		return this.handleSave(ev).then(function() {
			ui.changes.apply(mode == '0');
		});
	},

	handleReset: null
});
