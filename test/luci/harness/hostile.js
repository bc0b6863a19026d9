'use strict';
/*
 * Hostile strings for the script-injection tests (issue 11 item 1), and
 * the check that none of them became markup.
 *
 * Every payload carries data-xss, so an element made from it is found by
 * one selector; the event handlers push to window.__xss, so a handler that
 * ran is seen even if its element is gone again. The %s/%h/%d prefix
 * catches a view that formats an answer as a template; the attribute
 * breakers (" and ') one that builds markup by string concatenation.
 */
const PAYLOAD = '%s%h%d<img src=x data-xss=1 onerror="window.__xss.push(1)">' +
	'<svg data-xss=2 onload="window.__xss.push(2)"></svg>' +
	'<script data-xss=3>window.__xss.push(3)</script>' +
	'"\'><b data-xss=4 onmouseover="window.__xss.push(4)">x</b>&lt;i data-xss=5&gt;';

/* the page's init script: where fired handlers report */
const init = () => { window.__xss = [] };

/* hostile appends the payload to every string of an answer except skip's keys */
function hostile(v, skip = [ 'qr', 'edits', 'configs', 'version' ]) {
	if (typeof v == 'string')
		return v + PAYLOAD;
	if (Array.isArray(v))
		return v.map((x) => hostile(x, skip));
	if (v && typeof v == 'object') {
		const out = {};
		for (const [ k, x ] of Object.entries(v))
			out[k] = skip.includes(k) ? x : hostile(x, skip);
		return out;
	}
	return v;
}

/*
 * injected lists what the payloads made of the page: elements carrying
 * data-xss, handlers that ran, any on* attribute, any script element made
 * from a payload. shown counts the payloads visible as text, so
 * a test can tell "rendered as text" from "not rendered at all".
 */
async function check(page) {
	return page.evaluate(() => {
		const all = Array.from(document.querySelectorAll('*'));
		return {
			elements: all.filter((e) => e.hasAttribute('data-xss')).map((e) => e.outerHTML.slice(0, 80)),
			fired: window.__xss.slice(),
			handlers: all.flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name)).map((a) => e.tagName + ' ' + a.name)),
			scripts: Array.from(document.scripts).filter((s) => s.textContent.includes('__xss')).map((s) => s.outerHTML.slice(0, 80)),
			shown: (document.body.innerText.match(/<img src=x data-xss=1/g) || []).length +
				Array.from(document.querySelectorAll('textarea')).filter((t) => t.value.includes('data-xss=1')).length
		};
	});
}

module.exports = { PAYLOAD, init, hostile, check };
