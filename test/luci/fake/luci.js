/*
 * A stand-in for luci-base's luci.js, written for the wgowrt browser tests
 * from LuCI's documented behaviour (not a copy of it). It provides what
 * the wgowrt views use:
 *
 *   L.require(name)   fetches <base_url>/<name with . as />.js, reads the
 *                     leading 'require x [as y]' string pragmas, compiles
 *                     the source as the body of
 *                     function(window, document, L, <deps…>), expects a
 *                     class back and instantiates it (a view's constructor
 *                     runs load() and render())
 *   baseclass, view, dom, poll, request   built in, as in luci.js
 *   E(), _(), N_(), String.prototype.format, L.bind, L.resolveDefault …
 *
 * Test hooks live in window.__luci: the JS errors seen, the promise of the
 * view's first render, and poll.step() which runs every registered poll
 * function once (polling is not timer driven here, so tests decide when a
 * refresh happens).
 */
(function(window, document) {
	'use strict';

	var hooks = window.__luci = {
		errors: [],
		viewReady: null,
		view: null
	};

	window.addEventListener('error', function(ev) {
		hooks.errors.push('error: ' + (ev.error && ev.error.stack || ev.message));
	});
	window.addEventListener('unhandledrejection', function(ev) {
		var r = ev.reason;
		hooks.errors.push('unhandled rejection: ' + (r && r.stack || String(r)));
	});

	/* --- classes ------------------------------------------------------- */

	var Class = function() {};

	Class.extend = function(props) {
		var Parent = this;
		var C = function() {
			if (!(this instanceof C))
				throw new TypeError('Constructor must not be called without "new"');
			if (typeof this.__init__ == 'function')
				this.__init__.apply(this, arguments);
		};
		C.prototype = Object.create(Parent.prototype);
		Object.keys(props || {}).forEach(function(k) {
			Object.defineProperty(C.prototype, k, { value: props[k], writable: true, configurable: true });
		});
		Object.defineProperty(C.prototype, 'constructor', { value: C, writable: true });
		C.extend = Class.extend;
		C.singleton = Class.singleton;
		C.instantiate = Class.instantiate;
		C.isSubclass = Class.isSubclass;
		return C;
	};
	Class.singleton = function(props) {
		return new (this.extend(props))();
	};
	Class.instantiate = function(args) {
		var C = this;
		return new (Function.prototype.bind.apply(C, [ null ].concat(args || [])))();
	};
	Class.isSubclass = function(C) {
		return typeof C == 'function' && C.prototype instanceof this;
	};
	Class.prototype.varargs = function(args, offset) {
		return Array.prototype.slice.call(arguments, 2).concat(Array.prototype.slice.call(args, offset));
	};
	/* super(key[, args]): the member key of the nearest ancestor that has it */
	Class.prototype.super = function(key, args) {
		var own = Object.getPrototypeOf(this);
		for (var p = Object.getPrototypeOf(own); p; p = Object.getPrototypeOf(p)) {
			if (Object.prototype.hasOwnProperty.call(p, key)) {
				if (arguments.length < 2)
					return p[key];
				return p[key].apply(this, Array.isArray(args) || (args && typeof args == 'object' && 'length' in args)
					? args : this.varargs(arguments, 1));
			}
		}
		return null;
	};

	/* --- i18n and formatting ------------------------------------------- */

	/* no translation catalogue is loaded, so _() is the identity */
	window._ = function(s) { return s };
	window.N_ = function(n, sg, pl) { return (n == 1) ? sg : pl };

	/* the conversions LuCI's String.prototype.format knows that views use */
	String.prototype.format = function() {
		var args = arguments, i = 0;
		return String(this).replace(/%(%|(-?)(\d*)(?:\.(\d+))?([sdfxXhqcotmb]))/g, function(m, all, minus, width, prec, conv) {
			if (all == '%')
				return '%';
			var v = args[i++], s;
			switch (conv) {
			case 'd': s = String(Math.trunc(+v) || 0); break;
			case 'f': s = (+v || 0).toFixed(prec != null ? +prec : 6); break;
			case 'x': s = (Math.trunc(+v) || 0).toString(16); break;
			case 'X': s = (Math.trunc(+v) || 0).toString(16).toUpperCase(); break;
			case 'h': s = String(v == null ? '' : v).replace(/[&<>"']/g, function(c) { return '&#' + c.charCodeAt(0) + ';' }); break;
			case 'q': s = JSON.stringify(String(v == null ? '' : v)); break;
			default: s = (v == null) ? '' : String(v);
			}
			while (width && s.length < +width)
				s = minus ? s + ' ' : ' ' + s;
			return s;
		});
	};

	/* --- dom ----------------------------------------------------------- */

	var registry = {};

	var DOM = Class.singleton({
		elem: function(e) {
			return e != null && typeof e == 'object' && 'nodeType' in e;
		},

		parse: function(html) {
			var t = document.createElement('template');
			t.innerHTML = html;
			return t.content.firstChild;
		},

		matches: function(node, sel) {
			return this.elem(node) && node.matches ? node.matches(sel) : false;
		},

		parent: function(node, sel) {
			return this.elem(node) && node.closest ? node.closest(sel) : null;
		},

		/*
		 * append: an array appends each item (nodes as they are, anything
		 * else that is not null as text); a function is called with the
		 * node; a node is appended; any other value replaces the node's
		 * HTML (LuCI treats a plain string child as markup).
		 */
		append: function(node, children) {
			if (!this.elem(node))
				return null;
			if (Array.isArray(children)) {
				for (var i = 0; i < children.length; i++) {
					if (this.elem(children[i]))
						node.appendChild(children[i]);
					else if (children[i] != null)
						node.appendChild(document.createTextNode(String(children[i])));
				}
				return node.lastChild;
			}
			if (typeof children == 'function')
				return this.append(node, children(node));
			if (this.elem(children))
				return node.appendChild(children);
			if (children != null) {
				node.innerHTML = String(children);
				return node.lastChild;
			}
			return null;
		},

		content: function(node, children) {
			if (!this.elem(node))
				return null;
			while (node.firstChild)
				node.removeChild(node.firstChild);
			return this.append(node, children);
		},

		/* attr: functions become event listeners, objects JSON, null is skipped */
		attr: function(node, key, val) {
			if (!this.elem(node))
				return null;
			var attrs = key;
			if (typeof key == 'string') {
				attrs = {};
				attrs[key] = val;
			}
			for (var k in attrs) {
				var v = attrs[k];
				if (!Object.prototype.hasOwnProperty.call(attrs, k) || v == null)
					continue;
				if (typeof v == 'function')
					node.addEventListener(k, v);
				else if (typeof v == 'object')
					node.setAttribute(k, JSON.stringify(v));
				else
					node.setAttribute(k, v);
			}
		},

		/*
		 * create(tag | '<html>' | node | [nodes…], [attrs], [children]).
		 * As in LuCI, the second argument is the attributes unless it is
		 * not an object or is an array: E('p', node) takes the node (and
		 * E('p', fn) the function) for the attributes, and the child is
		 * lost; E('p', 'text') and E('p', {}, 'text') set it as HTML.
		 */
		create: function(html, attr, data) {
			var elem;
			if (!(attr instanceof Object) || Array.isArray(attr)) {
				data = attr;
				attr = null;
			}
			if (Array.isArray(html)) {
				elem = document.createDocumentFragment();
				for (var i = 0; i < html.length; i++)
					elem.appendChild(this.create(html[i]));
			}
			else if (this.elem(html))
				elem = html;
			else if (String(html).charAt(0) == '<')
				elem = this.parse(html);
			else
				elem = document.createElement(html);
			if (!elem)
				return null;
			this.attr(elem, attr);
			this.append(elem, data);
			return elem;
		},

		data: function(node, key, val) {
			var id = node.getAttribute('data-idref');
			if (arguments.length > 2) {
				if (id == null) {
					id = Math.random().toString(16).slice(2);
					node.setAttribute('data-idref', id);
					registry[id] = {};
				}
				return (registry[id][key] = val);
			}
			return id == null ? null : (arguments.length > 1 ? registry[id][key] : registry[id]);
		},

		isEmpty: function(node) {
			return !node || !node.firstElementChild;
		}
	});

	window.E = function() { return DOM.create.apply(DOM, arguments) };

	/* --- poll ---------------------------------------------------------- */

	var Poll = Class.singleton({
		queue: [],

		add: function(fn, interval) {
			if (typeof fn != 'function' || (interval != null && isNaN(interval)))
				throw new TypeError('Invalid argument to LuCI.Poll.add()');
			if (this.queue.some(function(e) { return e.fn === fn }))
				return false;
			this.queue.push({ fn: fn, interval: interval || 5 });
			return true;
		},

		remove: function(fn) {
			var n = this.queue.length;
			this.queue = this.queue.filter(function(e) { return e.fn !== fn });
			return this.queue.length != n;
		},

		start: function() { return false },
		stop: function() { return false },
		active: function() { return this.queue.length > 0 },

		/* test hook: run every poll function once, wait for all */
		step: function() {
			return Promise.all(this.queue.map(function(e) { return Promise.resolve(e.fn()) }));
		}
	});

	hooks.poll = Poll;

	/* --- request ------------------------------------------------------- */

	var Request = Class.singleton({
		request: function(url, opts) {
			opts = opts || {};
			var init = { method: opts.method || 'GET', credentials: 'same-origin', headers: {} };
			if (opts.content != null) {
				init.body = (typeof opts.content == 'object') ? JSON.stringify(opts.content) : String(opts.content);
				if (typeof opts.content == 'object')
					init.headers['Content-Type'] = 'application/json';
			}
			return fetch(url, init).then(function(res) {
				return res.text().then(function(text) {
					return {
						ok: res.ok, status: res.status, url: res.url,
						text: function() { return text },
						json: function() { return JSON.parse(text) }
					};
				});
			});
		},
		get: function(url, opts) { return this.request(url, Object.assign({ method: 'GET' }, opts)) },
		post: function(url, data, opts) { return this.request(url, Object.assign({ method: 'POST', content: data }, opts)) }
	});

	/* --- view ---------------------------------------------------------- */

	var View = Class.extend({
		__init__: function() {
			var vp = document.getElementById('view');
			DOM.content(vp, E('div', { 'class': 'spinning' }, _('Loading view…')));

			hooks.view = this;
			hooks.viewReady = Promise.resolve(this.load())
				.then(L.bind(this.render, this))
				.then(L.bind(function(nodes) {
					var vp = document.getElementById('view');
					DOM.content(vp, nodes);
					DOM.append(vp, this.addFooter());
				}, this))
				.catch(function(err) { L.error(err) });
		},

		load: function() {},
		render: function() {},

		/* the defaults save every .cbi-map form; the wgowrt views make none */
		handleSave: function() {
			return Promise.all(Array.prototype.map.call(document.querySelectorAll('#maincontent .cbi-map'),
				function(m) { var c = DOM.data(m, '_class'); return c && c.save && c.save() }));
		},
		handleSaveApply: function(ev, mode) {
			return this.handleSave(ev).then(function() { return L.ui.changes.apply(mode == '0') });
		},
		handleReset: function() {
			return Promise.all(Array.prototype.map.call(document.querySelectorAll('#maincontent .cbi-map'),
				function(m) { var c = DOM.data(m, '_class'); return c && c.reset && c.reset() }));
		},

		/* the page actions: one button per handler that is not null */
		addFooter: function() {
			var btns = [];
			/* LuCI's Save & Apply combo button calls handleSaveApply(ev, '0') */
			var saveApply = this.handleSaveApply ? L.ui.createHandlerFn(this, 'handleSaveApply') : null;
			if (saveApply)
				btns.push(E('button', { 'class': 'cbi-button cbi-button-apply',
					'click': function(ev) { return saveApply(ev, '0') } }, [ _('Save & Apply') ]));
			if (this.handleSave)
				btns.push(' ', E('button', { 'class': 'cbi-button cbi-button-save',
					'click': L.ui.createHandlerFn(this, 'handleSave') }, [ _('Save') ]));
			if (this.handleReset)
				btns.push(' ', E('button', { 'class': 'cbi-button cbi-button-reset',
					'click': L.ui.createHandlerFn(this, 'handleReset') }, [ _('Reset') ]));
			return btns.length ? E('div', { 'class': 'cbi-page-actions' }, btns) : E([]);
		}
	});

	/* --- L ------------------------------------------------------------- */

	var classes = {
		baseclass: Promise.resolve(Class),
		dom: Promise.resolve(DOM),
		poll: Promise.resolve(Poll),
		request: Promise.resolve(Request),
		view: Promise.resolve(View)
	};

	/* leadingPragmas reads the string statements that open a class file */
	function leadingPragmas(source) {
		var out = [], re = /^\s*(?:(['"])((?:(?!\1)[^\\\n])*)\1\s*;?)/, rest = source, m;
		while ((m = re.exec(rest)) !== null) {
			out.push(m[2]);
			rest = rest.slice(m[0].length);
		}
		return out;
	}

	var L = window.L = {
		env: { base_url: '/luci-static/resources', resource: '/luci-static/resources',
			scriptname: '/cgi-bin/luci', sessionid: '00000000000000000000000000000000', pollinterval: 5 },

		Class: Class,
		dom: DOM,
		Poll: Poll,
		Request: Request,
		view: View,

		bind: function(fn, self) {
			return Function.prototype.bind.apply(fn, [ self ].concat(Array.prototype.slice.call(arguments, 2)));
		},

		isObject: function(v) { return v != null && typeof v == 'object' },

		toArray: function(v) {
			if (v == null) return [];
			if (Array.isArray(v)) return v;
			if (typeof v == 'object') return [ v ];
			var s = String(v).trim();
			return s == '' ? [] : s.split(/\s+/);
		},

		resolveDefault: function(p, def) {
			return Promise.resolve(p).catch(function() { return def });
		},

		url: function() {
			return [ this.env.scriptname ].concat(Array.prototype.slice.call(arguments)).join('/');
		},

		resource: function() {
			return [ this.env.resource ].concat(Array.prototype.slice.call(arguments)).join('/');
		},

		raise: function(type, fmt) {
			var e = new Error(fmt ? String.prototype.format.apply(fmt, Array.prototype.slice.call(arguments, 2)) : type);
			e.name = type;
			throw e;
		},

		/* error shows the error in place of the view, then throws it on */
		error: function(type, fmt) {
			var e = (type instanceof Error) ? type : null;
			if (!e) {
				e = new Error(fmt ? String.prototype.format.apply(fmt, Array.prototype.slice.call(arguments, 2)) : String(type));
				e.name = type;
			}
			var mc = document.getElementById('maincontent');
			if (mc)
				mc.insertBefore(E('pre', { 'class': 'alert-message error wgowrt-test-runtime-error' }, [ e.name + ': ' + e.message ]), mc.firstChild);
			throw e;
		},

		require: function(name, from) {
			from = from || [];
			if (from.indexOf(name) != -1)
				return Promise.reject(new Error('Circular dependency: ' + [ name ].concat(from).join(' <- ')));
			if (classes[name])
				return classes[name];

			var url = L.env.base_url + '/' + name.replace(/\./g, '/') + '.js';

			classes[name] = Request.get(url).then(function(res) {
				if (!res.ok)
					L.raise('NetworkError', 'HTTP error %d while loading class file "%s"', res.status, url);

				var source = res.text(), names = [], deps = [];

				leadingPragmas(source).forEach(function(p) {
					var m = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/.exec(p);
					if (m) {
						deps.push(L.require(m[1], [ name ].concat(from)));
						names.push(m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_'));
					}
				});

				return Promise.all(deps).then(function(instances) {
					var factory = new Function([ 'window', 'document', 'L' ].concat(names).join(','),
						source + '\n//# sourceURL=' + location.origin + url);
					var C = factory.apply(factory, [ window, document, L ].concat(instances));
					if (!Class.isSubclass(C))
						L.raise('TypeError', '"%s" factory yields invalid constructor', name);
					var instance = new C();
					if (name == 'ui') L.ui = instance;
					if (name == 'uci') L.uci = instance;
					if (name == 'rpc') L.rpc = instance;
					return instance;
				});
			});

			return classes[name];
		}
	};

	/* boot: load ui and rpc as luci.js does, then the page's view */
	document.addEventListener('DOMContentLoaded', function() {
		var path = document.body.getAttribute('data-view');
		hooks.booted = Promise.all([ L.require('ui'), L.require('rpc') ]).then(function() {
			if (!path)
				return;
			return L.require('view.' + path.replace(/\//g, '.')).then(function() {
				return hooks.viewReady;
			});
		});
		hooks.booted.catch(function(err) {
			hooks.errors.push('boot: ' + (err && err.stack || err));
		});
	});
})(window, document);
