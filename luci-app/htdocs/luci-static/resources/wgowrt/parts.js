'use strict';
'require baseclass';
'require uci';
'require ui';
'require wgowrt.helpers as helpers';

/*
 * DOM parts shared by the wgowrt views: form rows in LuCI's cbi markup,
 * the preview of a plan, and staging a plan into the session.
 */

/* field is one labelled form row */
function field(label, input, help) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title' }, label),
		E('div', { 'class': 'cbi-value-field' }, [
			input,
			help ? E('div', { 'class': 'cbi-value-description' }, help) : ''
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
		return E('option', { 'value': c[0], 'selected': (c[0] == value) ? 'selected' : null }, c[1]);
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
	return res.field ? '%s (%s)'.format(res.error, res.field) : res.error;
}

/* preview shows what a plan would change, its warnings and notes */
function preview(res) {
	var nodes = [];

	(res.warnings || []).forEach(function(w) {
		nodes.push(E('div', { 'class': 'alert-message warning' }, w));
	});
	(res.notes || []).concat(res.info || []).forEach(function(n) {
		nodes.push(E('div', { 'class': 'alert-message notice' }, n));
	});

	if (res.changes && res.changes.length) {
		nodes.push(E('p', _('These changes will be added to the unsaved changes (keys hidden):')));
		nodes.push(E('pre', { 'class': 'wgowrt-changes' }, res.changes.join('\n')));
	}
	else {
		nodes.push(E('p', E('em', _('Nothing to change.'))));
	}

	return E('div', { 'class': 'wgowrt-preview' }, nodes);
}

/*
 * stage puts a plan's edits into the session through uci.js, so that
 * LuCI's Save & Apply commits them with rollback, and refreshes the
 * unsaved-changes indicator.
 */
function stage(res) {
	var configs = (res.configs || []).slice();

	return uci.load(configs).then(function() {
		helpers.stageEdits(uci, res.edits);
		return uci.save();
	}).then(function() {
		return ui.changes.init();
	});
}

/* qrImage is the QR code of a client config, or a note why there is none */
function qrImage(res) {
	if (!res.qr)
		return E('p', E('em', _('No QR code: the private key of this peer is not kept on the router.')));
	return E('img', { 'class': 'wgowrt-qr', 'src': helpers.svgHref(res.qr), 'alt': _('QR code of the client configuration'),
		'style': 'width:280px;height:280px;image-rendering:pixelated' });
}

/* download is a link saving the client config as a .conf file */
function download(res) {
	return E('a', { 'class': 'cbi-button cbi-button-action', 'href': helpers.configHref(res.config),
		'download': res.filename }, _('Download %s').format(res.filename));
}

return baseclass.extend({
	field: field,
	textInput: textInput,
	checkbox: checkbox,
	select: select,
	values: values,
	errorText: errorText,
	preview: preview,
	stage: stage,
	qrImage: qrImage,
	download: download
});
