'use strict';
'require baseclass';

/*
 * Pure helpers of the wgowrt views: formatting, the config download, the
 * staging of a plan's edits through uci.js and the keyed row update of the
 * peer tables. Nothing here touches the DOM or the network, so the node
 * tests (luci-app/tests/) load this file exactly as LuCI does, with a
 * stand-in for baseclass and _().
 */

/* subst replaces each %d or %s in tpl by the next argument. */
function subst(tpl, args) {
	var i = 0;
	return String(tpl).replace(/%[ds]/g, function(m) {
		var v = args[i++];
		return (m == '%d') ? String(Math.floor(+v)) : String(v);
	});
}

/* ageText says how long ago a handshake was; null or undefined is never. */
function ageText(secs) {
	if (secs == null || isNaN(secs) || secs < 0)
		return _('never');

	var s = Math.floor(secs);

	if (s < 60)
		return subst(_('%ds ago'), [ s ]);
	if (s < 3600)
		return subst(_('%dm %ds ago'), [ s / 60, s % 60 ]);
	if (s < 86400)
		return subst(_('%dh %dm ago'), [ s / 3600, (s % 3600) / 60 ]);

	return subst(_('%dd %dh ago'), [ s / 86400, (s % 86400) / 3600 ]);
}

var units = [ 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB' ];

/* bytesText formats a byte count in binary units, as `wgowrt status` does. */
function bytesText(n) {
	n = +n || 0;
	if (n < 1024)
		return n + ' B';

	var i = -1;
	do {
		n /= 1024;
		i++;
	} while (n >= 1024 && i < units.length - 1);

	return n.toFixed(1) + ' ' + units[i];
}

/* stateText is the label of a peer state from the status method. */
function stateText(state) {
	switch (state) {
	case 'active':   return _('active');
	case 'stale':    return _('stale');
	case 'never':    return _('never seen');
	case 'disabled': return _('disabled');
	case 'absent':   return _('not running');
	case 'expired':  return _('expired');
	}
	return String(state || '');
}

/*
 * expiryArgs turns the Expiry field into the arguments of peer_add and
 * peer_expiry: a duration (7d, 12h, 90m, 1d12h) goes as "for", anything
 * else (a date, never) as "expires"; empty gives neither. wgowrt checks
 * the value and names it when it is wrong.
 */
function expiryArgs(text) {
	var v = String(text == null ? '' : text).trim();
	if (v == '')
		return { expires: undefined, 'for': undefined };
	if (/^([0-9]+[wdhms])+$/.test(v))
		return { expires: undefined, 'for': v };
	return { expires: v, 'for': undefined };
}

/* expiryText shows a peer's expiry (RFC 3339, UTC) for the peer list. */
function expiryText(p) {
	if (!p || !p.expires)
		return '';
	var t = String(p.expires).replace('T', ' ').replace(/:00Z$|Z$/, '') + ' UTC';
	/* not String.format: the stored text is untrusted and may hold %s */
	return (p.expired ? _('expired %s') : _('until %s')).replace('%s', function() { return t });
}

/*
 * heldText says that the supervisor holds a peer's endpoint back because
 * its name does not resolve yet (status: endpoint_held, with the name in
 * endpoint_host; peers: endpoint_held beside endpoint), '' when it does
 * not. The name is untrusted text, put in with a function so that a % in
 * it stays as it is; the caller sets the result as text.
 */
function heldText(p) {
	if (!p || !p.endpoint_held)
		return '';
	var name = String(p.endpoint_host || p.endpoint || '');
	return _('endpoint %s: held, name does not resolve yet (the supervisor sets it once it does)').replace('%s', function() { return name });
}

/* needsAttention is true for peers that should stand out. */
function needsAttention(state) {
	return state == 'stale' || state == 'never' || state == 'absent';
}

/* roleText is the label of an interface role. */
function roleText(role) {
	switch (role) {
	case 'server': return _('server');
	case 'client': return _('client');
	}
	return _('not managed by wgowrt');
}

/*
 * roleAction is what the Overview offers for an interface of a status
 * answer: 'adopt' for a WireGuard interface wgowrt did not create (role
 * "other"), 'remove' for a wgowrt server or client, null for anything
 * else (an unknown role is never guessed at).
 */
function roleAction(role) {
	switch (role) {
	case 'other':  return 'adopt';
	case 'server':
	case 'client': return 'remove';
	}
	return null;
}

/*
 * reachedThrough says whether a page served from host (location.hostname:
 * an IPv6 address comes in brackets) reaches the router at one of an
 * interface's addresses ("10.8.0.1/24"), i.e. through that tunnel.
 */
function reachedThrough(addrs, host) {
	var h = String(host || '').replace(/^\[|\]$/g, '').toLowerCase();
	return h != '' && (addrs || []).some(function(a) { return String(a).split('/')[0].toLowerCase() == h });
}

/* configHref is a data: URL of a client config, for a download link. */
function configHref(text) {
	return 'data:text/plain;charset=utf-8,' + encodeURIComponent(text);
}

/* svgHref is a data: URL of an SVG image (the QR code). */
function svgHref(svg) {
	return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
}

/* splitList turns a text field into a list: commas and blanks separate. */
function splitList(s) {
	return String(s || '').split(/[\s,]+/).filter(function(x) { return x != '' });
}

/*
 * ubusCalls turns a plan's edits into the ubus "uci" calls that stage them
 * in the session, in order: [ method, args ] pairs for add, set, delete and
 * order. The page never loads the network config (it holds every private
 * key): these calls need only the write permission, and a new section's
 * values go to rpcd in the edit's option order, so the file gets the
 * options in the order the command line writes them.
 */
function ubusCalls(edits) {
	var out = [];

	(edits || []).forEach(function(e) {
		var set = {}, unset = [], nset = 0;

		Object.keys(e.values || {}).forEach(function(opt) {
			if (e.values[opt] == null)
				unset.push(opt);
			else {
				set[opt] = e.values[opt];
				nset++;
			}
		});

		switch (e.op) {
		case 'add':
			out.push([ 'add', { config: e.config, type: e.type, name: e.section, values: set } ]);
			break;

		case 'set':
			if (nset)
				out.push([ 'set', { config: e.config, section: e.section, values: set } ]);
			if (unset.length)
				out.push([ 'delete', { config: e.config, section: e.section, options: unset } ]);
			break;

		case 'remove':
			out.push([ 'delete', { config: e.config, section: e.section } ]);
			break;

		case 'order':
			out.push([ 'order', { config: e.config, sections: e.sections.slice() } ]);
			break;

		default:
			throw new Error('unknown edit ' + e.op);
		}
	});

	return out;
}

/*
 * pages fetches an answer that the router gives in pages of size items:
 * fetch(offset, limit) asks for one (status and peers take offset and
 * limit), more(answer) says whether items are still missing (a total
 * larger than what came), merge(answer, page) adds a page to the first
 * answer and count(page) is the number of items a page brought. Paging
 * keeps each answer within rpcd's buffer on a server with thousands of
 * peers. A router that does not know offset/limit (it refuses unknown
 * arguments) is asked once more without them. Stops at an error or at a
 * page that brings nothing.
 */
function pages(fetch, size, count, more, merge) {
	return Promise.resolve(fetch(0, size)).then(function(first) {
		if (first && first.error && (first.field == 'offset' || first.field == 'limit'))
			return fetch();

		var offset = size;

		function next() {
			if (!first || first.error || !more(first))
				return first;
			return Promise.resolve(fetch(offset, size)).then(function(res) {
				if (!res || res.error || count(res) == 0)
					return first;
				merge(first, res);
				offset += size;
				return next();
			});
		}

		return next();
	});
}

/* pageSize is how many peers one status or peers answer holds (~250 dual-stack peers fit rpcd's buffer) */
var pageSize = 250;

/*
 * statusPages fetches a whole status answer. The bridge pages the peers
 * of the answered interfaces as one list with one total at the top; an
 * answer with a total per interface instead is completed interface by
 * interface. A later page repeats each interface it has peers of.
 */
function statusPages(fetch, size) {
	function peerCount(st) {
		return ((st && st.interfaces) || []).reduce(function(n, i) { return n + (i.peers || []).length }, 0);
	}
	function incomplete(i) {
		return typeof(i.total) == 'number' && (i.peers || []).length < i.total;
	}
	return pages(fetch, size || pageSize, peerCount,
		function(st) {
			if (typeof(st.total) == 'number')
				return peerCount(st) < st.total;
			return (st.interfaces || []).some(incomplete);
		},
		function(first, next) {
			var whole = typeof(first.total) == 'number', byName = {};
			(first.interfaces = first.interfaces || []).forEach(function(i) { byName[i.name] = i });
			(next.interfaces || []).forEach(function(i) {
				var have = byName[i.name];
				if (!have && whole)
					first.interfaces.push(byName[i.name] = i);
				else if (have && (whole || incomplete(have)))
					have.peers = (have.peers || []).concat(i.peers || []);
			});
		});
}

/* peerPages fetches every configured peer of a peers answer */
function peerPages(fetch, size) {
	return pages(fetch, size || pageSize,
		function(res) { return ((res && res.peers) || []).length },
		function(res) { return typeof(res.total) == 'number' && (res.peers || []).length < res.total },
		function(first, next) { first.peers = (first.peers || []).concat(next.peers || []) });
}

/*
 * rowPlan compares the keys of the rows on screen with the items of a new
 * answer: which rows to create, which to update in place and which to
 * drop. The order is the items' order.
 */
function rowPlan(onScreen, items, keyOf) {
	var have = {}, seen = {}, plan = { add: [], update: [], remove: [], order: [] };

	onScreen.forEach(function(k) { have[k] = true });

	items.forEach(function(it) {
		var k = keyOf(it);
		if (seen[k])
			return;
		seen[k] = true;
		plan.order.push(k);
		(have[k] ? plan.update : plan.add).push(it);
	});

	onScreen.forEach(function(k) {
		if (!seen[k])
			plan.remove.push(k);
	});

	return plan;
}

return baseclass.extend({
	subst: subst,
	ageText: ageText,
	bytesText: bytesText,
	stateText: stateText,
	expiryArgs: expiryArgs,
	expiryText: expiryText,
	heldText: heldText,
	needsAttention: needsAttention,
	roleText: roleText,
	roleAction: roleAction,
	reachedThrough: reachedThrough,
	configHref: configHref,
	svgHref: svgHref,
	splitList: splitList,
	ubusCalls: ubusCalls,
	pages: pages,
	statusPages: statusPages,
	peerPages: peerPages,
	rowPlan: rowPlan
});
