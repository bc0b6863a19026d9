'use strict';
'require view';
'require rpc';
'require poll';
'require dom';
'require ui';
'require wgowrt.helpers as helpers';

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
		table
	]);
}

function updateSection(sec, iface) {
	sec.querySelector('.wgowrt-summary').textContent = summaryText(iface);
	sec.querySelector('.wgowrt-key code').textContent = iface.public_key || _('none');
	syncPeers(sec.querySelector('table'), iface.peers || []);
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

		poll.add(L.bind(function() {
			return callStatus().then(L.bind(function(next) {
				this.update(document.querySelector('#view') || root, next);
			}, this));
		}, this), 5);

		return root;
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
