'use strict';
'require baseclass';
'require rpc';
'require ui';
'require wgowrt.helpers as helpers';

/*
 * DOM parts shared by the wgowrt views: form rows in LuCI's cbi markup,
 * the preview of a plan, and staging a plan into the session.
 *
 * Text rule of every wgowrt view: LuCI's E(tag, attrs, 'string') and
 * dom.content(node, 'string') set a lone string as HTML, and E(tag, node)
 * takes the node for the attributes (the child is lost). So children are
 * always passed as E(tag, attrs, [ … ]): in an array a string is a text
 * node. Anything the router answers (names, errors, warnings, changes,
 * configs) is only ever shown that way or through textContent, and
 * dialog titles are given as [ text ] too.
 */

/* field is one labelled form row */
function field(label, input, help) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title' }, [ label ]),
		E('div', { 'class': 'cbi-value-field' }, [
			input,
			help ? E('div', { 'class': 'cbi-value-description' }, [ help ]) : ''
		])
	]);
}

function textInput(name, value, placeholder) {
	return E('input', { 'class': 'cbi-input-text', 'type': 'text', 'name': name,
		'value': value || '', 'placeholder': placeholder || '' });
}

function checkbox(name, checked) {
	return E('input', { 'type': 'checkbox', 'name': name, 'checked': checked ? 'checked' : null });
}

/* select offers [ value, label ] pairs */
function select(name, choices, value) {
	return E('select', { 'class': 'cbi-input-select', 'name': name }, choices.map(function(c) {
		return E('option', { 'value': c[0], 'selected': (c[0] == value) ? 'selected' : null }, [ c[1] ]);
	}));
}

/* values reads the named inputs of a form node into an object */
function values(node) {
	var out = {};
	node.querySelectorAll('[name]').forEach(function(el) {
		out[el.name] = (el.type == 'checkbox') ? el.checked : el.value.trim();
	});
	return out;
}

/*
 * errorText is the message of an error answer, with the field at fault.
 * A failed ubus call (permission denied, timeout, no such method) reaches
 * the views as {}, the default of their rpc.declare expect: every real
 * answer has members, so an empty one is no answer.
 */
function errorText(res) {
	if (res == null || typeof(res) != 'object' || Object.keys(res).length == 0)
		return _('The router gave no answer.');
	if (!res.error)
		return null;
	return res.field ? '%s (%s)'.format(res.error, res.field) : String(res.error);
}

/* text is a block element showing s as plain text */
function text(tag, attrs, s) {
	return E(tag, attrs || {}, [ s ]);
}

/* preview shows what a plan would change, its warnings and notes */
function preview(res) {
	var nodes = [];

	(res.warnings || []).forEach(function(w) {
		nodes.push(text('div', { 'class': 'alert-message warning' }, w));
	});
	(res.notes || []).concat(res.info || []).forEach(function(n) {
		nodes.push(text('div', { 'class': 'alert-message notice' }, n));
	});

	if (res.changes && res.changes.length) {
		nodes.push(text('p', {}, _('These changes will be added to the unsaved changes (keys hidden):')));
		nodes.push(text('pre', { 'class': 'wgowrt-changes' }, res.changes.join('\n')));
	}
	else {
		nodes.push(E('p', {}, [ text('em', { 'class': 'wgowrt-nothing' }, _('Nothing to change.')) ]));
	}

	return E('div', { 'class': 'wgowrt-preview' }, nodes);
}

var uciCalls = {
	add: rpc.declare({ object: 'uci', method: 'add', params: [ 'config', 'type', 'name', 'values' ], reject: true }),
	set: rpc.declare({ object: 'uci', method: 'set', params: [ 'config', 'section', 'values' ], reject: true }),
	'delete': rpc.declare({ object: 'uci', method: 'delete', params: [ 'config', 'section', 'options' ], reject: true }),
	order: rpc.declare({ object: 'uci', method: 'order', params: [ 'config', 'sections' ], reject: true })
};

/*
 * stage puts a plan's edits into the session's staged changes with ubus
 * uci calls, one after the other (rpcd keeps them in that order), so that
 * LuCI's Save & Apply commits them with rollback, and refreshes the
 * unsaved-changes indicator. It needs the write permission only: the page
 * never reads the network config, which holds the private keys.
 */
function stage(res) {
	var calls = helpers.ubusCalls(res.edits);

	return calls.reduce(function(p, c) {
		return p.then(function() {
			var a = c[1];
			switch (c[0]) {
			case 'add':    return uciCalls.add(a.config, a.type, a.name, a.values);
			case 'set':    return uciCalls.set(a.config, a.section, a.values);
			case 'delete': return uciCalls['delete'](a.config, a.section, a.options);
			case 'order':  return uciCalls.order(a.config, a.sections);
			}
		});
	}, Promise.resolve()).then(function() {
		return ui.changes.init();
	});
}

/* button is a LuCI button (label: text or a node) */
function button(label, cls, handler, disabled) {
	return E('button', { 'class': 'cbi-button ' + cls, 'click': handler,
		'disabled': disabled ? 'disabled' : null }, [ label ]);
}

/* failed shows an error answer as a notification, and says whether it was one */
function failed(res) {
	var msg = errorText(res);
	if (msg)
		ui.addNotification(null, text('p', {}, msg), 'danger');
	return msg != null;
}

/* qrImage is the QR code of a client config, or a note why there is none */
function qrImage(res) {
	if (!res.qr)
		return E('p', {}, [ text('em', { 'class': 'wgowrt-no-qr' }, _('No QR code: the private key of this peer is not kept on the router.')) ]);
	return E('img', { 'class': 'wgowrt-qr', 'src': helpers.svgHref(res.qr), 'alt': _('QR code of the client configuration'),
		'style': 'width:280px;height:280px;image-rendering:pixelated' });
}

/* download is a link saving the client config as a .conf file */
function download(res) {
	return E('a', { 'class': 'cbi-button cbi-button-action', 'href': helpers.configHref(res.config),
		'download': res.filename }, [ _('Download %s').format(res.filename) ]);
}

return baseclass.extend({
	field: field,
	textInput: textInput,
	checkbox: checkbox,
	select: select,
	values: values,
	errorText: errorText,
	text: text,
	preview: preview,
	stage: stage,
	button: button,
	failed: failed,
	qrImage: qrImage,
	download: download
});
