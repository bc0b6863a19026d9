'use strict';
/*
 * Every view and module compiles as LuCI compiles it (the source as a
 * function body), declares 'use strict' first, and requires only classes
 * that luci-base or this app provide.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { requires, resources } = require('./luci-loader.js');

const luciBase = [ 'baseclass', 'dom', 'form', 'fs', 'network', 'poll', 'rpc', 'uci', 'ui', 'view' ];

function walk(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
		e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.js') ? [ path.join(dir, e.name) ] : []);
}

for (const file of walk(resources)) {
	const rel = path.relative(resources, file);
	test(rel + ' compiles as a LuCI class module', () => {
		const source = fs.readFileSync(file, 'utf8');
		assert.match(source, /^'use strict';\n/);
		const deps = requires(source);
		for (const d of deps) {
			const own = path.join(resources, d.name.replace(/\./g, '/') + '.js');
			assert.ok(luciBase.includes(d.name) || fs.existsSync(own), rel + ' requires unknown class ' + d.name);
		}
		const args = [ 'window', 'document', 'L' ].concat(deps.map((d) => d.as));
		assert.doesNotThrow(() => new Function(args.join(','), source));
		assert.match(source, /\nreturn (view|baseclass)\.extend\(\{/);
	});
}

/*
 * LuCI's E(tag, x) takes a string x as HTML and a node x for the
 * attributes (the child is lost): children always go in an array, after
 * the attributes. This finds every E('tag', …) whose second argument is
 * neither an attribute object nor an array (the browser tests feed hostile
 * answers through the views; this catches the form of the bug in code the
 * tests do not reach).
 */
test('no E(tag, string-or-node): children are always E(tag, attrs, [ … ])', () => {
	const bad = [];
	for (const file of walk(resources)) {
		const source = fs.readFileSync(file, 'utf8');
		const re = /\bE\(\s*'[^']*'\s*(,\s*)?/g;
		let m;
		while ((m = re.exec(source)) !== null) {
			const next = source[m.index + m[0].length];
			if (m[1] ? (next != '{' && next != '[') : next != ')')
				bad.push(path.relative(resources, file) + ':' + source.slice(0, m.index).split('\n').length + ': ' +
					source.slice(m.index, m.index + 50).split('\n')[0]);
		}
	}
	assert.deepStrictEqual(bad, []);
});
