'use strict';
/*
 * Two independent descriptions of a plan's staged configuration, in one
 * shape { "config.section": { ".type": type, option: value | [values] }
 * or null when removed }:
 *   fromChanges  the contract's human-readable "changes" lines
 *                (network.s='type', network.s.o='v', network.s.o+='v',
 *                -network.s), secrets shown as '(hidden)'
 *   fromUbus     the ubus uci add/set/delete calls uci.save() sent
 */

function unquote(v) {
	const m = /^'(.*)'$/s.exec(v);
	if (!m)
		throw new Error('unquoted value ' + v);
	return m[1].replace(/'\\''/g, "'");
}

function fromChanges(lines) {
	const out = {};
	for (const line of lines) {
		let m;
		if ((m = /^-(\w+)\.(\w+)$/.exec(line)))
			out[m[1] + '.' + m[2]] = null;
		else if ((m = /^(\w+)\.(\w+)=(.*)$/s.exec(line)))
			out[m[1] + '.' + m[2]] = { '.type': unquote(m[3]) };
		else if ((m = /^(\w+)\.(\w+)\.(\w+)(\+?)=(.*)$/s.exec(line))) {
			const s = out[m[1] + '.' + m[2]] || (out[m[1] + '.' + m[2]] = {});
			const v = unquote(m[5]);
			if (m[4])
				(s[m[3]] = s[m[3]] || []).push(v);
			else
				s[m[3]] = v;
		}
		else
			throw new Error('unknown change line ' + line);
	}
	return out;
}

function fromUbus(staged) {
	const out = {};
	for (const [ method, a ] of staged) {
		const key = a.config + '.' + (a.section || a.name);
		switch (method) {
		case 'add':
			out[key] = Object.assign({ '.type': a.type }, a.values);
			break;
		case 'set':
			out[key] = Object.assign(out[key] || {}, a.values);
			break;
		case 'delete':
			if (a.options)
				for (const o of a.options) (out[key] = out[key] || {})[o] = null;
			else
				out[key] = null;
			break;
		default:
			throw new Error('unexpected uci ' + method);
		}
	}
	return out;
}

/* hideSecrets puts '(hidden)' where the changes lines hide a value */
function hideSecrets(got, want) {
	for (const [ k, s ] of Object.entries(want))
		for (const [ o, v ] of Object.entries(s || {}))
			if (v === '(hidden)' && got[k] && typeof got[k][o] == 'string' && got[k][o] != '')
				got[k][o] = '(hidden)';
	return got;
}

/* ubusCalls: what the views' own helpers make of a plan's edits */
const helpers = require('../../../luci-app/tests/luci-loader.js').load('wgowrt.helpers');
const ubusCalls = (edits) => JSON.parse(JSON.stringify(helpers.ubusCalls(edits)));

module.exports = { fromChanges, fromUbus, hideSecrets, ubusCalls };
