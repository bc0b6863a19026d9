'use strict';
'require baseclass';
'require rpc';

/*
 * Stand-in for luci-base's uci.js (wgowrt browser tests). Configs are
 * read with ubus "uci get"; add, set, unset, remove and move change only
 * the local copy, as in LuCI, until save() sends them to the session's
 * staging area as ubus "uci delete", "add", "set" and "order" calls. Sets
 * in a section that is neither loaded nor added are ignored, as uci.js
 * does. Every call is recorded in window.__luci.uciCalls.
 */

var callGet = rpc.declare({ object: 'uci', method: 'get', params: [ 'config' ], expect: { values: {} }, reject: true }),
    callAdd = rpc.declare({ object: 'uci', method: 'add', params: [ 'config', 'type', 'name', 'values' ], expect: { section: '' } }),
    callSet = rpc.declare({ object: 'uci', method: 'set', params: [ 'config', 'section', 'values' ] }),
    callDelete = rpc.declare({ object: 'uci', method: 'delete', params: [ 'config', 'section', 'options' ] }),
    callOrder = rpc.declare({ object: 'uci', method: 'order', params: [ 'config', 'sections' ] }),
    callChanges = rpc.declare({ object: 'uci', method: 'changes', expect: { changes: {} } });

var calls = window.__luci.uciCalls = [];

function record(op, args) {
	calls.push([ op ].concat(Array.prototype.slice.call(args).map(function(a) {
		return (a === undefined) ? null : JSON.parse(JSON.stringify(a));
	})));
}

function bucket(o, conf) {
	return o[conf] || (o[conf] = {});
}

return baseclass.extend({
	__init__: function() {
		this.state = { values: {}, creates: {}, changes: {}, deletes: {}, order: {} };
		this.loaded = {};
		this.seq = 0;
	},

	load: function(configs) {
		record('load', arguments);
		return this.fetch(configs);
	},

	fetch: function(configs) {
		var self = this;
		configs = Array.isArray(configs) ? configs : [ configs ];
		return Promise.all(configs.map(function(c) {
			if (self.loaded[c])
				return c;
			return callGet(c).then(function(values) {
				self.state.values[c] = values;
				self.loaded[c] = true;
				return c;
			});
		}));
	},

	unload: function(configs) {
		record('unload', arguments);
		this.drop(configs);
	},

	drop: function(configs) {
		(Array.isArray(configs) ? configs : [ configs ]).forEach(L.bind(function(c) {
			delete this.state.values[c];
			delete this.state.creates[c];
			delete this.state.changes[c];
			delete this.state.deletes[c];
			delete this.state.order[c];
			delete this.loaded[c];
		}, this));
	},

	add: function(conf, type, name) {
		record('add', arguments);
		var sid = name || ('new' + (0x100000 + this.seq++).toString(16));
		bucket(this.state.creates, conf)[sid] = { '.type': type, '.name': sid, '.create': name || null, '.anonymous': !name };
		return sid;
	},

	remove: function(conf, sid) {
		record('remove', arguments);
		var c = this.state.creates[conf];
		if (c && c[sid]) {
			delete c[sid];
			return;
		}
		bucket(this.state.deletes, conf)[sid] = true;
		if (this.state.changes[conf])
			delete this.state.changes[conf][sid];
	},

	get: function(conf, sid, opt) {
		var c = this.state.creates[conf], d = this.state.deletes[conf], ch = this.state.changes[conf],
		    v = this.state.values[conf];
		if (c && c[sid])
			return opt == null ? c[sid] : c[sid][opt];
		if (d && d[sid] === true)
			return null;
		if (!v || !v[sid])
			return null;
		if (opt == null)
			return Object.assign({}, v[sid], ch && ch[sid]);
		if (d && d[sid] && d[sid][opt])
			return null;
		if (ch && ch[sid] && opt in ch[sid])
			return ch[sid][opt];
		return v[sid][opt];
	},

	set: function(conf, sid, opt, val) {
		record('set', arguments);
		this.apply(conf, sid, opt, val);
	},

	unset: function(conf, sid, opt) {
		record('unset', arguments);
		this.apply(conf, sid, opt, null);
	},

	apply: function(conf, sid, opt, val) {
		if (sid == null || opt == null || opt.charAt(0) == '.')
			return;
		var c = this.state.creates[conf];
		if (c && c[sid]) {
			if (val == null || val === '')
				delete c[sid][opt];
			else
				c[sid][opt] = val;
			return;
		}
		var d = this.state.deletes[conf], v = this.state.values[conf];
		if ((d && d[sid] === true) || !v || !v[sid])
			return;
		if (val == null || val === '') {
			var dd = bucket(this.state.deletes, conf);
			(dd[sid] || (dd[sid] = {}))[opt] = true;
			if (this.state.changes[conf] && this.state.changes[conf][sid])
				delete this.state.changes[conf][sid][opt];
		}
		else {
			var ch = bucket(this.state.changes, conf);
			(ch[sid] || (ch[sid] = {}))[opt] = val;
			if (d && d[sid])
				delete d[sid][opt];
		}
	},

	/* sections lists a config's sections (of a type) in their order */
	sections: function(conf, type, cb) {
		var all = [], v = this.state.values[conf] || {}, c = this.state.creates[conf] || {},
		    d = this.state.deletes[conf] || {};
		Object.keys(v).forEach(function(sid) { if (d[sid] !== true) all.push(v[sid]) });
		all.sort(function(a, b) { return (a['.index'] || 0) - (b['.index'] || 0) });
		Object.keys(c).forEach(function(sid) { all.push(c[sid]) });
		var order = this.state.order[conf];
		if (order)
			all.sort(function(a, b) {
				var ia = order.indexOf(a['.name']), ib = order.indexOf(b['.name']);
				return (ia < 0 ? -1 : ia) - (ib < 0 ? -1 : ib);
			});
		all = all.filter(function(s) { return type == null || s['.type'] == type });
		if (typeof cb == 'function')
			all.forEach(function(s) { cb.call(this, s, s['.name']) }, this);
		return all;
	},

	/* move puts sid1 before sid2 (after it with after=true); sid2 null: to the end */
	move: function(conf, sid1, sid2, after) {
		record('move', arguments);
		var names = this.sections(conf).map(function(s) { return s['.name'] });
		var i = names.indexOf(sid1);
		if (i < 0)
			return false;
		names.splice(i, 1);
		if (sid2 == null)
			names.push(sid1);
		else {
			var j = names.indexOf(sid2);
			if (j < 0)
				return false;
			names.splice(after ? j + 1 : j, 0, sid1);
		}
		this.state.order[conf] = names;
		return true;
	},

	save: function() {
		record('save', arguments);
		var st = this.state, tasks = [], touched = {};

		Object.keys(st.deletes).forEach(function(conf) {
			Object.keys(st.deletes[conf]).forEach(function(sid) {
				var o = st.deletes[conf][sid];
				tasks.push(callDelete(conf, sid, o === true ? undefined : Object.keys(o)));
				touched[conf] = true;
			});
		});
		Object.keys(st.creates).forEach(function(conf) {
			Object.keys(st.creates[conf]).forEach(function(sid) {
				var s = st.creates[conf][sid], values = {};
				Object.keys(s).forEach(function(k) { if (k.charAt(0) != '.') values[k] = s[k] });
				tasks.push(callAdd(conf, s['.type'], s['.create'] || undefined, values));
				touched[conf] = true;
			});
		});
		Object.keys(st.changes).forEach(function(conf) {
			Object.keys(st.changes[conf]).forEach(function(sid) {
				tasks.push(callSet(conf, sid, st.changes[conf][sid]));
				touched[conf] = true;
			});
		});
		Object.keys(st.order).forEach(function(conf) {
			tasks.push(callOrder(conf, st.order[conf]));
			touched[conf] = true;
		});

		var self = this;
		return Promise.all(tasks).then(function() {
			var configs = Object.keys(touched);
			self.drop(configs);
			return self.fetch(configs);
		});
	},

	changes: function() {
		return callChanges();
	}
});
