'use strict';
'require view';
'require rpc';
'require poll';
'require dom';
'require ui';
'require wgowrt.helpers as helpers';
'require wgowrt.parts as parts';

/* shared with the other views (wgowrt/parts.js) */
var button = parts.button, failed = parts.failed;

/*
 * Overview: every WireGuard interface with its role and peers, refreshed
 * every few seconds. Rows are keyed by public key and updated in place, so
 * a server with hundreds of peers is not re-rendered on every poll.
 *
 * Sample answer of wgowrt.status (trimmed):
 * { "version": 1, "servers": [ "wg0" ], "roles": { "wg0": "server" },
 *   "interfaces": [ { "name": "wg0", "role": "server", "running": true,
 *     "listen_port": 51820, "public_key": "…", "addresses": [ "10.8.0.1/24" ],
 *     "peers": [ { "name": "phone", "section": "wgowrt_wg0_phone",
 *       "public_key": "…", "endpoint": "203.0.113.7:51902",
 *       "allowed_ips": [ "10.8.0.2/32" ], "handshake_age_seconds": 42,
 *       "rx_bytes": 2048, "tx_bytes": 100, "state": "active" } ] } ] }
 * A peer whose endpoint the supervisor holds back (its name does not
 * resolve yet) has "endpoint_held": true and "endpoint_host": NAME; its
 * Endpoint cell says so (helpers.heldText), as text.
 *
 * An interface wgowrt did not create (role "other": made in LuCI or by
 * the wiki's scripts) has an "Adopt…" button; a wgowrt server or client a
 * "Remove…" button. Both preview the plan (wgowrt.adopt, wgowrt.role_remove:
 * the same planning as `wgowrt adopt` and `server/client remove`) and
 * stage it into the unsaved changes, as the Peers page does.
 */

var callStatusPage = rpc.declare({
	object: 'wgowrt',
	method: 'status',
	params: [ 'offset', 'limit' ],
	expect: { '': {} }
});

/*
 * The "Check" button: wgowrt.doctor's findings (`wgowrt doctor --json`),
 * e.g. { "version": 1, "checked": [ "wg0" ], "live": true, "findings": [
 *   { "check": "port-closed", "iface": "wg0", "problem": "…",
 *     "evidence": "…", "fix": "uci set …" } ] }
 * Every string is set as text (textContent): names and evidence come from
 * the configuration and from peers.
 */
var callDoctor = rpc.declare({
	object: 'wgowrt',
	method: 'doctor',
	expect: { '': {} }
});

var callAdopt = rpc.declare({
	object: 'wgowrt',
	method: 'adopt',
	params: [ 'iface', 'endpoint' ],
	expect: { '': {} }
});

var callRoleRemove = rpc.declare({
	object: 'wgowrt',
	method: 'role_remove',
	params: [ 'iface' ],
	expect: { '': {} }
});

/* textEl is an element holding s as text, never as HTML */
function textEl(tag, cls, s) {
	var el = E(tag, { 'class': cls });
	el.textContent = s;
	return el;
}

/* showFindings renders a doctor answer into box */
function showFindings(box, res) {
	while (box.firstChild)
		box.removeChild(box.firstChild);
	if (!res || res.version !== 1) {
		box.appendChild(textEl('p', 'alert-message warning', (res && res.error) || _('The router gave no answer.')));
		return;
	}
	var fs = res.findings || [];
	if (!fs.length) {
		box.appendChild(textEl('p', 'wgowrt-doctor-ok', _('No problem found (checked: %s).').format((res.checked || []).join(', ') || _('none'))));
		return;
	}
	fs.forEach(function(f) {
		var where = [ f.iface, f.peer ].filter(function(x) { return x }).join(' / ');
		box.appendChild(E('div', { 'class': 'alert-message warning wgowrt-finding', 'data-check': String(f.check) }, [
			textEl('strong', '', where ? '%s (%s)'.format(f.check, where) : f.check),
			textEl('p', 'wgowrt-problem', f.problem),
			textEl('p', 'wgowrt-evidence', _('Evidence: %s').format(f.evidence)),
			textEl('pre', 'wgowrt-fix', f.fix)
		]));
	});
}

/* callStatus is the whole status answer: a big server's peers come in pages */
function callStatus() {
	return helpers.statusPages(callStatusPage);
}

/* the columns of a peer row, in order */
var columns = [ 'name', 'endpoint', 'allowed', 'handshake', 'transfer', 'state' ];

function peerCells(p) {
	return {
		name: p.name,
		endpoint: helpers.heldText(p) || p.endpoint || '—',
		allowed: (p.allowed_ips || []).join(', ') || '—',
		handshake: helpers.ageText(p.handshake_age_seconds),
		transfer: '↓ %s / ↑ %s'.format(helpers.bytesText(p.rx_bytes), helpers.bytesText(p.tx_bytes)),
		state: helpers.stateText(p.state)
	};
}

/* updateRow writes a peer into its row, touching only changed cells */
function updateRow(tr, p) {
	var cells = peerCells(p);

	columns.forEach(function(c, i) {
		var td = tr.childNodes[i];
		if (td.textContent !== cells[c])
			td.textContent = cells[c];
	});

	tr.setAttribute('data-state', p.state);
	tr.setAttribute('data-held', p.endpoint_held ? '1' : '0');
	tr.classList.toggle('wgowrt-attention', helpers.needsAttention(p.state) || !!p.endpoint_held);
}

function newRow(p) {
	var tr = E('tr', { 'class': 'tr', 'data-key': p.public_key },
		columns.map(function(c) { return E('td', { 'class': 'td', 'data-title': columnTitle(c) }) }));
	updateRow(tr, p);
	return tr;
}

function columnTitle(c) {
	switch (c) {
	case 'name':      return _('Peer');
	case 'endpoint':  return _('Endpoint');
	case 'allowed':   return _('Allowed IPs');
	case 'handshake': return _('Latest handshake');
	case 'transfer':  return _('Received / sent');
	}
	return _('State');
}

/* syncPeers brings a table body in line with the peers of one interface */
function syncPeers(table, peers) {
	var rows = {}, keys = [];

	table.querySelectorAll('tr[data-key]').forEach(function(tr) {
		rows[tr.getAttribute('data-key')] = tr;
		keys.push(tr.getAttribute('data-key'));
	});

	var plan = helpers.rowPlan(keys, peers, function(p) { return p.public_key });

	plan.remove.forEach(function(k) { table.removeChild(rows[k]) });
	plan.update.forEach(function(p) { updateRow(rows[p.public_key], p) });
	plan.add.forEach(function(p) { rows[p.public_key] = newRow(p) });

	/* re-append rows only when the order changed: appendChild moves a row */
	var gone = {};
	plan.remove.forEach(function(k) { gone[k] = true });
	var current = keys.filter(function(k) { return !gone[k] });
	if (plan.add.length || current.join('\n') !== plan.order.join('\n'))
		plan.order.forEach(function(k) { table.appendChild(rows[k]) });

	var empty = table.querySelector('.wgowrt-empty');
	if (empty)
		empty.style.display = peers.length ? 'none' : '';
}

function summaryText(iface) {
	var parts = [ helpers.roleText(iface.role) ];

	if (iface.listen_port)
		parts.push(_('port %d').format(iface.listen_port));
	if (iface.addresses && iface.addresses.length)
		parts.push(iface.addresses.join(', '));
	if (iface.error)
		parts.push(_('unreadable: %s').format(iface.error));
	else
		parts.push(iface.running ? _('running') : (iface.disabled ? _('disabled') : _('not running')));

	return parts.join(' · ');
}

function newSection(iface) {
	var table = E('table', { 'class': 'table wgowrt-peers' }, [
		E('tr', { 'class': 'tr table-titles' },
			columns.map(function(c) { return E('th', { 'class': 'th' }, [ columnTitle(c) ]) })),
		E('tr', { 'class': 'tr placeholder wgowrt-empty' },
			E('td', { 'class': 'td', 'colspan': columns.length }, [ E('em', {}, [ _('No peers configured') ]) ]))
	]);

	return E('div', { 'class': 'cbi-section', 'data-iface': iface.name }, [
		E('h3', {}, [ iface.name ]),
		E('p', { 'class': 'wgowrt-summary' }),
		E('p', { 'class': 'wgowrt-key' }, [ _('Public key'), ': ', E('code', {}) ]),
		E('div', { 'class': 'wgowrt-iface-actions' }),
		table
	]);
}

function updateSection(sec, iface) {
	sec.querySelector('.wgowrt-summary').textContent = summaryText(iface);
	sec.querySelector('.wgowrt-key code').textContent = iface.public_key || _('none');
	updateActions(sec.querySelector('.wgowrt-iface-actions'), iface);
	syncPeers(sec.querySelector('table'), iface.peers || []);
}

/*
 * updateActions offers what fits the interface's role: Adopt… for one
 * wgowrt did not create, Remove… for a wgowrt server or client, nothing
 * for anything else. A poll rebuilds the buttons only when the role
 * changed (e.g. once an adoption is staged).
 */
function updateActions(box, iface) {
	var act = helpers.roleAction(iface.role), key = act ? act + ' ' + iface.role : '';
	if (box.getAttribute('data-action') === key)
		return;
	box.setAttribute('data-action', key);
	var name = iface.name, role = iface.role, addrs = (iface.addresses || []).slice();
	dom.content(box, act == 'adopt'
		? button(_('Adopt…'), 'cbi-button-action wgowrt-adopt', ui.createHandlerFn(null, handleAdopt, name))
		: act == 'remove' ? button(_('Remove…'), 'cbi-button-remove wgowrt-role-remove', ui.createHandlerFn(null, handleRoleRemove, name, role, addrs))
		: []);
}

/* refresh re-reads the status into the page (set by render) */
var refresh = function() { return Promise.resolve() };

/* confirmPlan previews a plan in a dialog and stages it on confirmation */
function confirmPlan(title, res, lead) {
	if (failed(res))
		return;
	var stageBtn = button(_('Add to unsaved changes'), 'cbi-button-positive', ui.createHandlerFn(null, function() {
		return parts.stage(res).then(function() {
			ui.hideModal();
			ui.addNotification(null, parts.text('p', { 'class': 'wgowrt-staged' },
				_('Added to the unsaved changes. Save & Apply (under Unsaved Changes at the top) activates them; LuCI rolls them back if the router becomes unreachable.')), 'info');
			return refresh();
		});
	}));
	ui.showModal([ title ], [
		lead || '',
		parts.preview(res),
		E('div', { 'class': 'right' }, [
			button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
			res.changes && res.changes.length ? stageBtn : ''
		])
	]);
}

/* foundText says what adopt found, in words */
function foundText(name, f) {
	var s = _('%s is a %s with %d peer(s); firewall zone: %s.').format(name, f.role, f.peers, f.zone || _('none'));
	if (f.sites && f.sites.length)
		s += ' ' + _('Site links: %s.').format(f.sites.join(', '));
	return s;
}

/* handleAdopt asks for the host name peers dial, then previews adopting name */
function handleAdopt(name) {
	var endpoint = parts.textInput('endpoint', '', 'vpn.example.com'),
	    title = _('Adopt %s').format(name);

	ui.showModal([ title ], [
		parts.text('p', { 'class': 'wgowrt-adopt-descr' },
			_('wgowrt takes over %s: the same keys, addresses, port and peers; the tunnel keeps running. Its peers get wgowrt\'s section names and can then be managed on the Peers page.').format(name)),
		parts.field(_('Public host name or address'), endpoint,
			_('What peers dial to reach this router; configurations of new peers need it.')),
		E('div', { 'class': 'right' }, [
			button(_('Cancel'), 'cbi-button-neutral', ui.hideModal), ' ',
			button(_('Preview'), 'cbi-button-action', ui.createHandlerFn(null, function() {
				return callAdopt(name, endpoint.value.trim()).then(function(res) {
					confirmPlan(title, res, res.found ? parts.text('p', { 'class': 'wgowrt-found' }, foundText(name, res.found)) : null);
				});
			}))
		])
	]);
}

/* handleRoleRemove previews removing a wgowrt server or client, with what is lost */
function handleRoleRemove(name, role, addrs) {
	return callRoleRemove(name).then(function(res) {
		var warn = role == 'server'
			? _('The tunnel %s goes away with Save & Apply: its interface, its peers and sites, and every firewall section wgowrt made for it are deleted. Its peers can no longer connect, and their keys and configurations are gone.').format(name)
			: _('The tunnel %s goes away with Save & Apply: its interface, peer, routes, rules and firewall sections are deleted, and the traffic it carried goes out through wan again.').format(name);
		confirmPlan(_('Remove %s').format(name), res, E('div', {}, [
			parts.text('div', { 'class': 'alert-message warning wgowrt-goes-away' }, warn),
			helpers.reachedThrough(addrs, window.location.hostname) ? parts.text('div', { 'class': 'alert-message warning wgowrt-cuts-page' },
				_('This page reaches the router through %s: Save & Apply would cut it off, and LuCI would roll the removal back. Remove it from another connection.').format(name)) : ''
		]));
	});
}

return view.extend({
	load: function() {
		return callStatus();
	},

	/* update applies one status answer to the page */
	update: function(root, st) {
		var warn = root.querySelector('.wgowrt-warning'),
		    list = root.querySelector('.wgowrt-ifaces'),
		    secs = {}, keys = [];

		/* a failed ubus call arrives as {} (the expect default): say so and
		 * keep the rows already shown instead of claiming there are none */
		var err = st.error || (Object.keys(st).length ? null : _('The router gave no answer.'));

		warn.textContent = err || st.warning || '';
		warn.style.display = (err || st.warning) ? '' : 'none';
		if (err)
			return;

		list.querySelectorAll('[data-iface]').forEach(function(s) {
			secs[s.getAttribute('data-iface')] = s;
			keys.push(s.getAttribute('data-iface'));
		});

		var ifaces = st.interfaces || [],
		    plan = helpers.rowPlan(keys, ifaces, function(i) { return i.name });

		plan.remove.forEach(function(k) { list.removeChild(secs[k]) });
		plan.add.forEach(function(i) { secs[i.name] = list.appendChild(newSection(i)) });
		ifaces.forEach(function(i) { updateSection(secs[i.name], i) });

		root.querySelector('.wgowrt-none').style.display = ifaces.length ? 'none' : '';
	},

	render: function(st) {
		var root = E([], [
			E('style', [
				'.wgowrt-peers tr.wgowrt-attention td { color: #b35900 }',
				'.wgowrt-peers tr[data-state="disabled"] td { opacity: .6 }',
				'.wgowrt-peers tr[data-state="never"] td:nth-child(4) { font-style: italic }'
			].join('\n')),
			E('h2', {}, [ _('WireGuard') ]),
			E('div', { 'class': 'cbi-map-descr' },
				[ _('Every WireGuard interface of this router, with its peers. Stale and never-seen peers are highlighted.') ]),
			E('div', { 'class': 'alert-message warning wgowrt-warning', 'style': 'display:none' }),
			E('p', { 'class': 'wgowrt-none', 'style': 'display:none' },
				[ E('em', {}, [ _('No WireGuard interfaces configured yet. Create a server on the Setup page.') ]) ]),
			E('div', { 'class': 'wgowrt-ifaces' }),
			E('div', { 'class': 'cbi-section' }, [
				E('button', { 'class': 'cbi-button cbi-button-action wgowrt-check', 'click': function(ev) {
					var box = document.querySelector('.wgowrt-doctor');
					ev.target.disabled = true;
					box.textContent = _('Checking…');
					return callDoctor().then(function(res) { showFindings(box, res) })
						.catch(function(e) { showFindings(box, { error: String(e) }) })
						.finally(function() { ev.target.disabled = false });
				} }, [ _('Check') ]),
				E('div', { 'class': 'wgowrt-doctor' })
			])
		]);

		this.update(root, st);

		refresh = L.bind(function() {
			return callStatus().then(L.bind(function(next) {
				this.update(document.querySelector('#view') || root, next);
			}, this));
		}, this);

		poll.add(function() { return refresh() }, 5);

		return root;
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
