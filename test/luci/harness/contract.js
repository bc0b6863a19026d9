'use strict';
/*
 * The pinned rpcd contract (internal/cli/testdata/rpcd): each *.txtar
 * holds a call, its arguments and the answer wgowrt gives; list.json the
 * method signatures. The golden answers summarise the QR image as
 * "(svg, N modules square …)"; answer() puts a real SVG there, made by
 * internal/qr from the answer's own config (test/luci/qrsvg), so the
 * browser shows what the router would.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { execFileSync } = require('node:child_process');

const repo = path.join(__dirname, '..', '..', '..');
const dir = path.join(repo, 'internal', 'cli', 'testdata', 'rpcd');

/* parse splits a txtar file into its comment and named sections */
function parse(text) {
	const out = { comment: '', files: {} };
	let name = null, buf = [];
	const flush = () => {
		if (name == null)
			out.comment = buf.join('\n');
		else
			out.files[name] = buf.join('\n');
	};
	for (const line of text.split('\n')) {
		const m = /^-- (.+) --$/.exec(line);
		if (m) {
			flush();
			name = m[1];
			buf = [];
		}
		else
			buf.push(line);
	}
	flush();
	return out;
}

function scenario(name) {
	return parse(fs.readFileSync(path.join(dir, name + '.txtar'), 'utf8'));
}

function signatures() {
	return JSON.parse(fs.readFileSync(path.join(dir, 'list.json'), 'utf8'));
}

let qrsvg = process.env.WGOWRT_QRSVG || null;
const qrCache = new Map();

/* svgOf is the QR image of text, as the rpcd methods make it */
function svgOf(text) {
	if (qrCache.has(text))
		return qrCache.get(text);
	if (!qrsvg || !fs.existsSync(qrsvg)) {
		qrsvg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wgowrt-qrsvg-')), 'qrsvg');
		execFileSync('go', [ 'build', '-o', qrsvg, './test/luci/qrsvg' ], { cwd: repo, stdio: 'inherit' });
	}
	const svg = execFileSync(qrsvg, { input: text }).toString();
	qrCache.set(text, svg);
	return svg;
}

/* answer is a scenario's golden answer, the QR summary replaced by the image */
function answer(name) {
	const ans = JSON.parse(scenario(name).files.want);
	if (typeof ans.qr == 'string' && ans.qr.startsWith('(svg, ')) {
		const n = +/^\(svg, (\d+) modules/.exec(ans.qr)[1];
		const svg = svgOf(ans.config);
		const got = +/viewBox="0 0 (\d+) /.exec(svg)[1];
		if (got != n)
			throw new Error(`${name}: the regenerated QR has ${got} modules, the contract says ${n}`);
		ans.qr = svg;
	}
	return ans;
}

/* args is a scenario's call arguments */
function args(name) {
	const a = scenario(name).files.args.trim();
	return a ? JSON.parse(a) : {};
}

module.exports = { parse, scenario, signatures, answer, args, svgOf, repo };
