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
	}
	return String(state || '');
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
 * stageEdits applies a plan's edits to uci.js (or anything with its add,
 * set, unset, remove and move methods) and returns the configs touched.
 * Every config must be loaded first: uci.js ignores sets in sections it
 * does not know.
 */
function stageEdits(uci, edits) {
	var touched = {};

	(edits || []).forEach(function(e) {
		touched[e.config] = true;

		switch (e.op) {
		case 'add':
			uci.add(e.config, e.type, e.section);
			setValues(uci, e);
			break;

		case 'set':
			setValues(uci, e);
			break;

		case 'remove':
			uci.remove(e.config, e.section);
			break;

		case 'order':
			/* moving each section to the end in turn leaves them in this order */
			e.sections.forEach(function(sid) { uci.move(e.config, sid, null) });
			break;

		default:
			throw new Error('unknown edit ' + e.op);
		}
	});

	return Object.keys(touched).sort();
}

function setValues(uci, e) {
	Object.keys(e.values || {}).sort().forEach(function(opt) {
		var v = e.values[opt];
		if (v == null)
			uci.unset(e.config, e.section, opt);
		else
			uci.set(e.config, e.section, opt, v);
	});
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
	needsAttention: needsAttention,
	roleText: roleText,
	configHref: configHref,
	svgHref: svgHref,
	splitList: splitList,
	stageEdits: stageEdits,
	rowPlan: rowPlan
});
