'use strict';
/*
 * Loads a LuCI class module the way luci.js does: the file's text becomes
 * the body of function(window, document, L, <required classes…>) and must
 * return a class, which is instantiated. Only 'require baseclass' is
 * provided (a minimal stand-in); _() is the identity, as with no
 * translation loaded.
 */
const fs = require('node:fs');
const path = require('node:path');

const resources = path.join(__dirname, '..', 'htdocs', 'luci-static', 'resources');

const baseclass = {
	extend(props) {
		const C = function() {};
		Object.assign(C.prototype, props);
		return C;
	}
};

global._ = (s) => s;

/* requires lists the 'require x [as y]' pragmas at the top of a module */
function requires(source) {
	const out = [];
	const re = /^\s*'require ([^' ]+)(?: as ([A-Za-z_]\w*))?';/gm;
	let m;
	while ((m = re.exec(source)) !== null)
		out.push({ name: m[1], as: m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_') });
	return out;
}

function load(name, provided) {
	const file = path.join(resources, name.replace(/\./g, '/') + '.js');
	const source = fs.readFileSync(file, 'utf8');
	const deps = requires(source);
	const args = [ 'window', 'document', 'L' ].concat(deps.map((d) => d.as));
	const values = [ {}, {}, {} ].concat(deps.map((d) => {
		if (d.name == 'baseclass')
			return baseclass;
		if (provided && d.name in provided)
			return provided[d.name];
		return {};
	}));
	const factory = new Function(args.join(','), source);
	const Class = factory.apply(null, values);
	if (typeof Class != 'function')
		throw new TypeError(name + ' does not return a class');
	return new Class();
}

module.exports = { load, requires, resources };
