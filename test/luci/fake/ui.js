'use strict';
'require baseclass';
'require uci';

/*
 * Stand-in for the parts of luci-base's ui.js the wgowrt views use
 * (wgowrt browser tests):
 *   showModal(title, children)  fills the one dialog (#modal_overlay
 *                               .modal) and shows it; hideModal() hides it
 *   addNotification(title, children, classes…)  a dismissable message at
 *                               the top of #maincontent
 *   createHandlerFn(ctx, fn | 'method', args…)  an event handler that
 *                               calls fn(args…, ev) on ctx and disables
 *                               the button until its promise settles
 *   changes.init()              re-reads the staged changes and shows
 *                               their number; changes.apply(checked)
 * Calls are recorded in window.__luci.ui.
 */

var log = window.__luci.ui = { modals: [], hidden: 0, notifications: [], changesInit: 0, applies: [] };

var overlay = null;

function dialog() {
	if (!overlay)
		overlay = document.body.appendChild(E('div', { 'id': 'modal_overlay', 'tabindex': -1 },
			E('div', { 'class': 'modal', 'role': 'dialog', 'aria-modal': 'true' })));
	return overlay.firstElementChild;
}

var Changes = baseclass.extend({
	init: function() {
		log.changesInit++;
		return uci.changes().then(L.bind(function(changes) {
			var n = 0;
			Object.keys(changes || {}).forEach(function(c) { n += changes[c].length });
			this.count = n;
			var ind = document.getElementById('changes-indicator');
			if (ind) {
				ind.textContent = n ? _('Unsaved Changes') + ': ' + n : '';
				ind.style.display = n ? '' : 'none';
			}
			return n;
		}, this));
	},

	apply: function(checked) {
		log.applies.push(!!checked);
		return Promise.resolve();
	}
});

return baseclass.extend({
	changes: new Changes(),

	showModal: function(title, children) {
		var dlg = dialog();
		dlg.className = 'modal';
		for (var i = 2; i < arguments.length; i++)
			dlg.classList.add(arguments[i]);
		L.dom.content(dlg, E('h4', {}, title));
		L.dom.append(dlg, children);
		document.body.classList.add('modal-overlay-active');
		log.modals.push(String(title));
		return dlg;
	},

	hideModal: function() {
		document.body.classList.remove('modal-overlay-active');
		log.hidden++;
	},

	addNotification: function(title, children) {
		var mc = document.getElementById('maincontent') || document.body;
		var msg = E('div', { 'class': 'alert-message fade-in' }, [
			E('div', { 'style': 'display:flex' }, [
				E('div', { 'style': 'flex:10' }),
				E('button', { 'class': 'btn', 'click': function() { msg.remove() } }, [ _('Dismiss') ])
			])
		]);
		if (title != null)
			L.dom.append(msg.firstElementChild.firstElementChild, E('h4', {}, title));
		L.dom.append(msg.firstElementChild.firstElementChild, children);
		for (var i = 2; i < arguments.length; i++)
			msg.classList.add(arguments[i]);
		mc.insertBefore(msg, mc.firstElementChild);
		log.notifications.push({ title: title, text: msg.firstElementChild.firstElementChild.textContent,
			classes: Array.prototype.slice.call(arguments, 2) });
		return msg;
	},

	createHandlerFn: function(ctx, fn) {
		if (typeof fn == 'string')
			fn = ctx[fn];
		if (typeof fn != 'function')
			return null;
		var bound = Array.prototype.slice.call(arguments, 2);
		return function(ev) {
			var t = ev && ev.currentTarget;
			if (t) {
				t.classList.add('spinning');
				t.disabled = true;
			}
			return Promise.resolve(fn.apply(ctx, bound.concat(Array.prototype.slice.call(arguments))))
				.finally(function() {
					if (t) {
						t.classList.remove('spinning');
						t.disabled = false;
					}
				});
		};
	}
});
