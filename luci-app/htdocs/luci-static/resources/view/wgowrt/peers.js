'use strict';
'require view';
'require rpc';
'require poll';
'require ui';
'require dom';
'require wgowrt.helpers as helpers';
'require wgowrt.parts as parts';

/* shared with the other views (wgowrt/parts.js) */
var button = parts.button, failed = parts.failed;

/*
 * Peers of a wgowrt server: add one in a single dialog (keys, address,
 * config and QR code made by the router), and disable, enable, rename or
 * remove. Every change is planned by wgowrt (the same planning as the
 * command line), previewed, and staged into LuCI's unsaved changes; Save &
 * Apply commits it with rollback protection, and the wgowrt service pushes
 * the peers into the running interface without restarting it.
 *
 * Sample answer of wgowrt.peers (trimmed):
 * { "version": 1, "iface": "wg0", "peers": [ { "name": "phone",
 *   "section": "network.wgowrt_wg0_phone", "owned": true,
 *   "public_key": "…", "allowed_ips": [ "10.8.0.2/32" ], "disabled": false,
 *   "private_key_kept": false, "expires": "2026-12-03T10:00:00Z" } ] }
 * (expires: when the peer stops; expired: when wgowrt supervise disabled
 * it for that — it then needs a new expiry, not Enable; endpoint_held:
 * the supervisor holds the endpoint back while its name does not
 * resolve, shown after the state as text, from the status answer when
 * there is one; site: the peer is a site link, removed with site_remove
 * so that its firewall rules go too.)
 */

var callStatusPage = rpc.declare({
	object: 'wgowrt',
	method: 'status',
	params: [ 'iface', 'offset', 'limit' ],
	expect: { '': {} }
});

var callPeersPage = rpc.declare({
	object: 'wgowrt',
	method: 'peers',
	params: [ 'iface', 'offset', 'limit' ],
	expect: { '': {} }
});

/* callStatus is the whole status answer of iface: a big server's peers come in pages */
function callStatus(iface) {
	return helpers.statusPages(function(offset, limit) { return callStatusPage(iface, offset, limit) });
}

/* callPeers is every configured peer of iface, page by page */
function callPeers(iface) {
	return helpers.peerPages(function(offset, limit) { return callPeersPage(iface, offset, limit) });
}

var callNextAddress = rpc.declare({
	object: 'wgowrt',
	method: 'next_address',
	params: [ 'iface' ],
	expect: { '': {} }
});

var callPeerAdd = rpc.declare({
	object: 'wgowrt',
	method: 'peer_add',
	params: [ 'iface', 'name', 'ip', 'public_key', 'psk', 'routes', 'tunnel', 'dns', 'keepalive', 'endpoint', 'keep_private_key', 'expires', 'for' ],
	expect: { '': {} }
});

var callPeerConfig = rpc.declare({
	object: 'wgowrt',
	method: 'peer_config',
	params: [ 'iface', 'name' ],
	expect: { '': {} }
});

var callPeerRemove = rpc.declare({
	object: 'wgowrt',
	method: 'peer_remove',
	params: [ 'iface', 'name' ],
	expect: { '': {} }
});

var callSiteRemove = rpc.declare({
	object: 'wgowrt',
	method: 'site_remove',
	params: [ 'iface', 'name' ],
	expect: { '': {} }
});

var callPeerDisable = rpc.declare({
	object: 'wgowrt',
	method: 'peer_disable',
	params: [ 'iface', 'name' ],
	expect: { '': {} }
});

var callPeerEnable = rpc.declare({
	object: 'wgowrt',
	method: 'peer_enable',
	params: [ 'iface', 'name' ],
	expect: { '': {} }
});

var callPeerExpiry = rpc.declare({
	object: 'wgowrt',
	method: 'peer_expiry',
	params: [ 'iface', 'name', 'expires', 'for' ],
	expect: { '': {} }
});

var callPeerRename = rpc.declare({
	object: 'wgowrt',
	method: 'peer_rename',
	params: [ 'iface', 'name', 'new_name' ],
	expect: { '': {} }
});

return view.extend({
	load: function() {
		return callStatus();
	},

	/* the interface shown: the one chosen, else the only or first server */
	iface: null,

	render: function(st) {
		var servers = (st && st.servers) || [];

		this.iface = servers[0] || null;

		var root = E('div', { 'class': 'wgowrt-peers-page' }, [
			E('h2', {}, [ _('WireGuard peers') ]),
			E('div', { 'class': 'cbi-map-descr' },
				[ _('Peers of a wgowrt server. Changes are added to the unsaved changes; Save & Apply activates them without restarting the interface.') ])
		]);

		var err = parts.errorText(st);
		if (err && !servers.length) {
			root.appendChild(parts.text('div', { 'class': 'alert-message warning' }, err));
			return root;
		}

		if (!servers.length) {
			root.appendChild(E('p', {}, [ parts.text('em', { 'class': 'wgowrt-no-server' },
				_('There is no wgowrt server yet. Create one on the Setup page.')) ]));
			return root;
		}

		var chooser = parts.select('iface', servers.map(function(s) { return [ s, s ] }), this.iface);
		chooser.addEventListener('change', L.bind(function(ev) {
			this.iface = ev.target.value;
			this.refresh();
		}, this));

		root.appendChild(E('div', { 'class': 'cbi-section' }, [
			servers.length > 1 ? parts.field(_('Interface'), chooser) : '',
			E('div', { 'class': 'cbi-section-create' },
				button(_('Add peer…'), 'cbi-button-add', ui.createHandlerFn(this, 'handleAdd'))),
			E('table', { 'class': 'table wgowrt-peer-list' }, [
				E('tr', { 'class': 'tr table-titles' }, [
					E('th', { 'class': 'th' }, [ _('Name') ]),
					E('th', { 'class': 'th' }, [ _('Allowed IPs') ]),
					E('th', { 'class': 'th' }, [ _('State') ]),
					E('th', { 'class': 'th' }, [ _('Latest handshake') ]),
					E('th', { 'class': 'th cbi-section-actions' }, [])
				])
			])
		]));

		this.table = root.querySelector('table');
		this.live = {};
		this.applyStatus(st);

		poll.add(L.bind(function() {
			return callStatus(this.iface).then(L.bind(this.applyStatus, this));
		}, this), 5);

		return this.refresh().then(function() { return root });
	},

	/* applyStatus remembers the live state of each peer by public key */
	applyStatus: function(st) {
		var live = {};
		((st && st.interfaces) || []).forEach(L.bind(function(i) {
			if (i.name == this.iface)
				(i.peers || []).forEach(function(p) { live[p.public_key] = p });
		}, this));
		this.live = live;
		this.table.querySelectorAll('tr[data-key]').forEach(L.bind(function(tr) {
			this.updateLive(tr, live[tr.getAttribute('data-pub')]);
		}, this));
	},

	updateLive: function(tr, p) {
		var state = tr.getAttribute('data-disabled') == '1' ? 'disabled' : (p ? p.state : 'absent'),
		    cells = tr.childNodes, until = tr.getAttribute('data-expiry') || '';

		if (tr.getAttribute('data-expired') == '1')
			state = 'expired';
		/* held: the live answer says so; without one, the peers answer */
		var held = p ? helpers.heldText(p) : (tr.getAttribute('data-held-text') || '');
		cells[2].textContent = helpers.stateText(state) + (until && state != 'expired' ? ' · ' + until : '') + (held ? ' · ' + held : '');
		tr.setAttribute('data-endpoint-held', held ? '1' : '0');
		cells[3].textContent = p ? helpers.ageText(p.handshake_age_seconds) : '—';
		tr.classList.toggle('wgowrt-attention', helpers.needsAttention(state));
	},

	/* refresh re-reads the configured peers (as staged in this session) */
	refresh: function() {
		return callPeers(this.iface).then(L.bind(function(res) {
			if (failed(res))
				return;
			this.syncRows(res.peers || []);
		}, this));
	},

	syncRows: function(peers) {
		var rows = {}, keys = [], table = this.table;

		table.querySelectorAll('tr[data-key]').forEach(function(tr) {
			rows[tr.getAttribute('data-key')] = tr;
			keys.push(tr.getAttribute('data-key'));
		});

		var plan = helpers.rowPlan(keys, peers, function(p) { return p.section });

		plan.remove.forEach(function(k) { table.removeChild(rows[k]) });
		plan.update.forEach(L.bind(function(p) { this.fillRow(rows[p.section], p) }, this));
		plan.add.forEach(L.bind(function(p) {
			rows[p.section] = E('tr', { 'class': 'tr', 'data-key': p.section }, [
				E('td', { 'class': 'td', 'data-title': _('Name') }),
				E('td', { 'class': 'td', 'data-title': _('Allowed IPs') }),
				E('td', { 'class': 'td', 'data-title': _('State') }),
				E('td', { 'class': 'td', 'data-title': _('Latest handshake') }),
				E('td', { 'class': 'td cbi-section-actions' })
			]);
			this.fillRow(rows[p.section], p);
		}, this));
		plan.order.forEach(function(k) {
			if (rows[k].parentNode !== table || plan.add.length)
				table.appendChild(rows[k]);
		});
	},

	fillRow: function(tr, p) {
		var cells = tr.childNodes;

		tr.setAttribute('data-pub', p.public_key);
		tr.setAttribute('data-disabled', p.disabled ? '1' : '0');
		tr.setAttribute('data-expired', p.expired ? '1' : '0');
		tr.setAttribute('data-expiry', helpers.expiryText(p));
		tr.setAttribute('data-held-text', helpers.heldText(p));
		tr.setAttribute('title', helpers.expiryText(p));
		cells[0].textContent = p.name;
		cells[1].textContent = (p.allowed_ips || []).join(', ') || '—';
		this.updateLive(tr, this.live[p.public_key]);

		var note = p.owned ? null : _('Not created by wgowrt: edit it under Network → Interfaces.');
		dom.content(cells[4], E('div', { 'title': note || '' }, [
			/* a site link has no client config, and no expiry (site set changes it) */
			p.site ? '' : button(_('Config'), 'cbi-button-action', ui.createHandlerFn(this, 'handleConfig', p.name), !p.owned), ' ',
			button(_('Rename'), 'cbi-button-edit', ui.createHandlerFn(this, 'handleRename', p.name), !p.owned), ' ',
			p.site ? '' : button(_('Expiry…'), 'cbi-button-edit', ui.createHandlerFn(this, 'handleExpiry', p.name, p.expires || ''), !p.owned), ' ',
			p.expired ? ''
			: p.disabled
				? button(_('Enable'), 'cbi-button-apply', ui.createHandlerFn(this, 'handleToggle', p.name, false), !p.owned)
				: button(_('Disable'), 'cbi-button-neutral', ui.createHandlerFn(this, 'handleToggle', p.name, true), !p.owned), ' ',
			p.site
				? button(_('Remove…'), 'cbi-button-remove wgowrt-site-remove', ui.createHandlerFn(this, 'handleSiteRemove', p.name), !p.owned)
				: button(_('Remove'), 'cbi-button-remove', ui.createHandlerFn(this, 'handleRemove', p.name), !p.owned)
		]));
	},

	/* stageAnswer stages a plan and refreshes the list */
	stageAnswer: function(res) {
		if (failed(res))
			return Promise.resolve(false);
		return parts.stage(res).then(L.bind(this.refresh, this)).then(function() { return true });
	},

	handleToggle: function(name, disable) {
		var call = disable ? callPeerDisable : callPeerEnable;
		return call(this.iface, name).then(L.bind(this.stageAnswer, this));
	},

	/* confirmPlan previews a plan in a dialog and stages it on confirmation */
	confirmPlan: function(title, res, intro) {
		if (failed(res))
			return;
		ui.showModal([ title ], [
			intro || '',
			parts.preview(res),
			E('div', { 'class': 'right' }, [
				button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
				button(_('Add to unsaved changes'), 'cbi-button-positive', ui.createHandlerFn(this, function() {
					return this.stageAnswer(res).then(ui.hideModal);
				}))
			])
		]);
	},

	handleRemove: function(name) {
		return callPeerRemove(this.iface, name).then(L.bind(function(res) {
			this.confirmPlan(_('Remove peer %s').format(name), res);
		}, this));
	},

	/* handleSiteRemove previews removing a site link: its peer, note and firewall rules */
	handleSiteRemove: function(name) {
		return callSiteRemove(this.iface, name).then(L.bind(function(res) {
			this.confirmPlan(_('Remove site link %s').format(name), res,
				parts.text('div', { 'class': 'alert-message warning wgowrt-goes-away' },
					_('The site link %s goes away with Save & Apply: its peer, the routes to its LAN and its firewall rules are deleted, so neither LAN reaches the other through this router. If this browser is on that site\'s LAN, Save & Apply cuts this page off and LuCI rolls the removal back.').format(name)));
		}, this));
	},

	handleRename: function(name) {
		var input = parts.textInput('new_name', name);

		ui.showModal([ _('Rename peer %s').format(name) ], [
			parts.field(_('New name'), input),
			E('div', { 'class': 'right' }, [
				button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
				button(_('Preview'), 'cbi-button-action', ui.createHandlerFn(this, function() {
					return callPeerRename(this.iface, name, input.value.trim()).then(L.bind(function(res) {
						this.confirmPlan(_('Rename peer %s').format(name), res);
					}, this));
				}))
			])
		]);
	},

	/* handleExpiry sets when a peer stops; an expired peer is enabled again by a new expiry */
	handleExpiry: function(name, current) {
		var input = parts.textInput('expiry', current, _('7d, 2026-12-31 or never'));

		ui.showModal([ _('Expiry of peer %s').format(name) ], [
			parts.field(_('Expires'), input,
				_('A date (YYYY-MM-DD, router time), a duration from now (7d, 12h, 90m) or never. wgowrt supervise disables the peer then.')),
			E('div', { 'class': 'right' }, [
				button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
				button(_('Preview'), 'cbi-button-action', ui.createHandlerFn(this, function() {
					var a = helpers.expiryArgs(input.value);
					return callPeerExpiry(this.iface, name, a.expires, a['for']).then(L.bind(function(res) {
						this.confirmPlan(_('Expiry of peer %s').format(name), res);
					}, this));
				}))
			])
		]);
	},

	handleConfig: function(name) {
		return callPeerConfig(this.iface, name).then(function(res) {
			if (failed(res))
				return;
			ui.showModal([ _('Client configuration of %s').format(name) ], [
				res.private_key_included ? '' : parts.text('div', { 'class': 'alert-message notice' },
					_('The private key of this peer was not kept on the router: the configuration lacks it.')),
				parts.qrImage(res),
				parts.text('textarea', { 'class': 'cbi-input-textarea', 'readonly': 'readonly', 'rows': 12, 'style': 'width:100%;font-family:monospace' }, res.config),
				E('div', { 'class': 'right' }, [ parts.download(res), ' ',
					button(_('Close'), 'cbi-button-neutral', ui.hideModal) ])
			]);
		});
	},

	/* handleAdd opens the one dialog that makes a peer */
	handleAdd: function() {
		var form = E('div', { 'class': 'wgowrt-add-form' }, [
			parts.field(_('Name'), parts.textInput('name', '', 'phone'),
				_('Letters, digits, - and _; used as the peer\'s description.')),
			parts.field(_('Tunnel'), parts.select('tunnel', [
				[ '', _('Default of the server') ], [ 'full', _('Full: all traffic through this router') ],
				[ 'split', _('Split: only the tunnel and the LAN') ] ], '')),
			parts.field(_('Tunnel address'), parts.textInput('ip', '', _('automatic')),
				_('Leave empty for the next free address.')),
			parts.field(_('Preshared key'), parts.checkbox('psk', false),
				_('An extra symmetric key (post-quantum hardening).')),
			parts.field(_('Keep private key'), parts.checkbox('keep_private_key', false),
				_('Keep the peer\'s private key on the router so its configuration and QR code can be shown again.')),
			parts.field(_('Public key'), parts.textInput('public_key', '', _('generated')),
				_('Only when the device made its own key pair; the router then never sees its private key.')),
			parts.field(_('Networks behind the peer'), parts.textInput('routes', '', '192.168.50.0/24'),
				_('For a router joining as a spoke: its LAN subnets.')),
			parts.field(_('DNS servers'), parts.textInput('dns', '', _('default'))),
			parts.field(_('Keepalive'), parts.textInput('keepalive', '', '25'), _('Seconds; 0 turns it off.')),
			parts.field(_('Endpoint'), parts.textInput('endpoint', '', _('the server\'s')),
				_('Overrides the host name the client dials.')),
			parts.field(_('Expires'), parts.textInput('expiry', '', _('never')),
				_('Guest access: a date (YYYY-MM-DD, router time) or a duration (7d, 12h, 90m); the peer is disabled then.'))
		]);
		var result = E('div', { 'class': 'wgowrt-add-result' });

		callNextAddress(this.iface).then(function(res) {
			if (res && res.addresses && res.addresses.length)
				form.querySelector('[name="ip"]').placeholder = res.addresses.join(', ');
		});

		ui.showModal([ _('Add peer to %s').format(this.iface) ], [
			form, result,
			E('div', { 'class': 'right wgowrt-add-buttons' }, [
				button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
				button(_('Generate'), 'cbi-button-action', ui.createHandlerFn(this, 'handleGenerate', form, result))
			])
		]);
	},

	handleGenerate: function(form, result) {
		var v = parts.values(form), exp = helpers.expiryArgs(v.expiry);

		return callPeerAdd(this.iface, v.name, helpers.splitList(v.ip), v.public_key, v.psk,
			helpers.splitList(v.routes), v.tunnel, v.dns ? helpers.splitList(v.dns) : null,
			v.keepalive, v.endpoint, v.keep_private_key, exp.expires, exp['for']).then(L.bind(function(res) {
			var msg = parts.errorText(res);
			if (msg) {
				dom.content(result, parts.text('div', { 'class': 'alert-message error' }, msg));
				return;
			}
			form.style.display = 'none';
			dom.content(result, [
				parts.text('p', { 'class': 'wgowrt-lead' }, _('Peer %s gets %s.').format(res.peer, (res.addresses || []).join(', '))),
				res.private_key_included ? parts.text('div', { 'class': 'alert-message notice' },
					_('This configuration holds the peer\'s private key and is shown only now: scan or download it before closing.')) : '',
				parts.qrImage(res),
				parts.text('textarea', { 'class': 'cbi-input-textarea', 'readonly': 'readonly', 'rows': 12, 'style': 'width:100%;font-family:monospace' }, res.config),
				E('p', {}, [ parts.download(res) ]),
				parts.preview(res)
			]);
			var buttons = document.querySelector('.wgowrt-add-buttons');
			dom.content(buttons, [
				button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
				button(_('Add to unsaved changes'), 'cbi-button-positive', ui.createHandlerFn(this, function() {
					return this.stageAnswer(res).then(function(ok) {
						if (ok)
							dom.content(buttons, button(_('Close'), 'cbi-button-neutral', ui.hideModal));
					});
				}), res.existed)
			]);
		}, this));
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
