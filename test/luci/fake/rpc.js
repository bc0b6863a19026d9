'use strict';
'require baseclass';
'require request';

/*
 * Stand-in for luci-base's rpc.js (wgowrt browser tests): declare() makes
 * a function that maps its arguments onto the named params and sends a
 * JSON-RPC 2.0 "call" [sid, object, method, args] to the ubus endpoint.
 * The reply's result is [status, data]; as in LuCI, a non-zero status
 * resolves to the status number (or rejects with reject: true), and
 * expect { key: default } picks reply[key] ('' = the whole reply) and
 * substitutes the default when it is missing or of another type.
 */

var nextID = 1,
    baseURL = '/ubus/';

function kind(v) {
	return Object.prototype.toString.call(v);
}

return baseclass.extend({
	getBaseURL: function() { return baseURL },
	setBaseURL: function(url) { baseURL = url },
	getSessionID: function() { return L.env.sessionid },
	setSessionID: function(sid) { L.env.sessionid = sid },

	send: function(msg) {
		return request.post(baseURL + '?' + msg.params[1] + '.' + msg.params[2], msg).then(function(res) {
			if (!res.ok)
				L.raise('RPCError', 'RPC call to %s/%s failed with HTTP error %d', msg.params[1], msg.params[2], res.status);
			var reply = res.json();
			if (!L.isObject(reply) || reply.jsonrpc != '2.0')
				L.raise('RPCError', 'RPC call to %s/%s returned invalid message frame', msg.params[1], msg.params[2]);
			if (L.isObject(reply.error))
				L.raise('RPCError', 'RPC call to %s/%s failed with error %d: %s', msg.params[1], msg.params[2],
					reply.error.code, reply.error.message);
			return reply;
		});
	},

	declare: function(opts) {
		var self = this;

		return function() {
			var args = {}, names = opts.params || [];
			for (var i = 0; i < names.length; i++)
				args[names[i]] = arguments[i];

			var msg = { jsonrpc: '2.0', id: nextID++, method: 'call',
				params: [ L.env.sessionid, opts.object, opts.method, args ] };

			return self.send(msg).then(function(reply) {
				var ret = null, r = reply.result;

				if (Array.isArray(r)) {
					if (opts.reject && r[0] !== 0)
						L.raise('RPCError', 'RPC call to %s/%s failed with ubus code %d', opts.object, opts.method, r[0]);
					ret = (r.length > 1) ? r[1] : r[0];
				}

				if (opts.expect) {
					var key = Object.keys(opts.expect)[0];
					if (ret != null && key != '')
						ret = ret[key];
					if (ret == null || kind(ret) != kind(opts.expect[key]))
						ret = opts.expect[key];
				}

				if (typeof opts.filter == 'function')
					ret = opts.filter(ret, args);

				return ret;
			});
		};
	}
});
