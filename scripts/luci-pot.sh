#!/usr/bin/env bash
# Regenerates luci-app/po/templates/wgowrt.pot from the translatable
# strings of the LuCI app: every _('…') in its JavaScript and the menu
# titles and ACL description (which LuCI translates too), each with the
# places it occurs, sorted by message as LuCI's i18n-scan.pl sorts them.
#
#   scripts/luci-pot.sh           rewrite the template
#   scripts/luci-pot.sh --check   fail when the template is not current
#
# Needs node (any version with fs.readdirSync withFileTypes; 20 here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

app=luci-app
pot=$app/po/templates/wgowrt.pot

generate() {
	node - "$app" <<'JS'
'use strict';
const fs = require('fs'), path = require('path');
const app = process.argv[2], prefix = 'applications/luci-app-wgowrt/';
const found = new Map();

function add(msg, where) {
	if (msg === '') return;
	if (!found.has(msg)) found.set(msg, []);
	found.get(msg).push(where);
}

function unescapeJS(s) {
	return s.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (m, e) => {
		switch (e[0]) {
		case 'n': return '\n';
		case 't': return '\t';
		case 'u': case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
		}
		return e;
	});
}

function walk(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1).flatMap((e) =>
		e.isDirectory() ? walk(path.join(dir, e.name)) : [ path.join(dir, e.name) ]);
}

const call = /\b_\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")/g;
for (const file of walk(path.join(app, 'htdocs')).filter((f) => f.endsWith('.js'))) {
	const src = fs.readFileSync(file, 'utf8');
	let m;
	while ((m = call.exec(src)) !== null) {
		const line = src.slice(0, m.index).split('\n').length;
		add(unescapeJS(m[1] !== undefined ? m[1] : m[2]), prefix + path.relative(app, file) + ':' + line);
	}
}

for (const file of walk(path.join(app, 'root')).filter((f) => f.endsWith('.json'))) {
	const json = JSON.parse(fs.readFileSync(file, 'utf8'));
	for (const v of Object.values(json)) {
		const msg = v.title || v.description;
		if (msg) add(msg, prefix + path.relative(app, file));
	}
}

const po = (s) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
let out = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8"\n';
for (const msg of [...found.keys()].sort()) {
	out += '\n' + found.get(msg).map((w) => '#: ' + w + '\n').join('') + 'msgid ' + po(msg) + '\nmsgstr ""\n';
}
process.stdout.write(out);
JS
}

if [[ ${1:-} == --check ]]; then
	if ! diff -u "$pot" <(generate) >&2; then
		echo "$pot is not current: run scripts/luci-pot.sh" >&2
		exit 1
	fi
	exit 0
fi
mkdir -p "$(dirname "$pot")"
generate >"$pot.tmp" && mv "$pot.tmp" "$pot"
echo "wrote $pot ($(grep -c '^msgid "[^"]' "$pot") messages)"
