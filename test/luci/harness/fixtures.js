'use strict';
/*
 * Answers built on the pinned contract. The contract's status answers
 * come from a router without running devices (every handshake null), so
 * the live ones here take the shape of status-configured's interface and
 * peers (the same keys) and put numbers in; uciConfigs is the
 * configuration status-configured was made from, as "uci get" gives it.
 */
const contract = require('./contract.js');

const base = () => contract.answer('status-configured');

/* peerLike is a status peer with exactly the contract's keys */
function peerLike(template, over) {
	const p = {};
	for (const k of Object.keys(template))
		p[k] = (k in over) ? over[k] : template[k];
	for (const k of Object.keys(over))
		if (!(k in template))
			throw new Error('status peer has no key ' + k);
	return p;
}

function key(i, tag) {
	/* 43 base64 characters and '=' like a WireGuard key, unique per i */
	const s = (tag + String(i).padStart(6, '0')).padEnd(43, 'A');
	return s.slice(0, 43) + '=';
}

/* liveStatus: wg0 running with an active, a stale, a never-seen and a disabled peer, and a client */
function liveStatus() {
	const st = base();
	const wg0 = st.interfaces[0];
	const t = wg0.peers[0];
	wg0.running = true;
	wg0.peers = [
		peerLike(t, { name: 'phone', endpoint: '203.0.113.7:51902', handshake_age_seconds: 42,
			rx_bytes: 2048, tx_bytes: 100, state: 'active' }),
		peerLike(t, { name: 'laptop', section: 'wgowrt_wg0_laptop', public_key: 'bGKllnKOMt0Qqy61kQ9AF5jV5WKQSXNpOEv/lGcidXQ=',
			allowed_ips: [ '10.8.0.4/32' ], endpoint: '198.51.100.20:40000', handshake_age_seconds: 7322,
			rx_bytes: 1536 * 1024, tx_bytes: 5 * 1024 * 1024 * 1024, state: 'stale' }),
		peerLike(t, { name: 'tablet', section: 'wgowrt_wg0_tablet', public_key: key(1, 'tablet'),
			allowed_ips: [ '10.8.0.5/32' ], handshake_age_seconds: null, state: 'never' }),
		peerLike(wg0.peers[1], {})
	];
	st.interfaces.push({
		addresses: [ '10.64.12.7/32' ], disabled: false, listen_port: 0, name: 'provider',
		peers: [ peerLike(t, { name: 'vpn.provider.example', section: 'wgowrt_provider_peer1',
			public_key: 'NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=', allowed_ips: [ '0.0.0.0/0' ],
			endpoint: '192.0.2.10:51820', handshake_age_seconds: 90000, rx_bytes: 1023, tx_bytes: 1024, state: 'active' }) ],
		public_key: 'a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=', role: 'client', running: true
	});
	for (const k of Object.keys(st.interfaces[0]))
		if (!(k in st.interfaces[1]))
			throw new Error('client interface lacks ' + k);
	st.roles.provider = 'client';
	return st;
}

/* bigStatus: wg0 with n peers; round changes every counter */
function bigStatus(n, round) {
	const st = base();
	const wg0 = st.interfaces[0];
	const t = wg0.peers[0];
	wg0.running = true;
	wg0.peers = Array.from({ length: n }, (_, i) => peerLike(t, {
		name: 'peer' + i,
		section: 'wgowrt_wg0_peer' + i,
		public_key: key(i, 'peer'),
		allowed_ips: [ '10.8.' + (Math.floor((i + 2) / 256)) + '.' + ((i + 2) % 256) + '/32' ],
		endpoint: '198.51.100.' + (i % 250 + 1) + ':' + (40000 + i),
		handshake_age_seconds: (i % 7 == 0) ? null : 10 + i + 30 * round,
		rx_bytes: 1000 * i + 4096 * round,
		tx_bytes: 500 * i + 1024 * round,
		state: (i % 7 == 0) ? 'never' : ((i + round) % 5 == 0 ? 'stale' : 'active')
	}));
	return st;
}

/* uciConfigs: network, firewall and wgowrt of status-configured's router */
function uciConfigs() {
	let idx = 0;
	const sec = (type, name, values) => Object.assign({ '.anonymous': false, '.type': type, '.name': name, '.index': idx++ }, values);
	const wg0 = base().interfaces[0];
	const network = {
		loopback: sec('interface', 'loopback', { device: 'lo', proto: 'static', ipaddr: '127.0.0.1', netmask: '255.0.0.0' }),
		lan: sec('interface', 'lan', { device: 'br-lan', proto: 'static', ipaddr: '192.168.1.1', netmask: '255.255.255.0' }),
		wan: sec('interface', 'wan', { device: 'eth1', proto: 'dhcp' }),
		wg0: sec('interface', 'wg0', { proto: 'wireguard', private_key: 'iM6V9z0+yAm/95VcSBZ72XtX3qd7ZE0mp5ERFgkiPVc=',
			listen_port: String(wg0.listen_port), addresses: wg0.addresses })
	};
	const wgowrt = { wg0: sec('server', 'wg0', { endpoint: 'vpn.example.com', lan_access: 'routed', internet: '1', client_to_client: '0' }) };
	for (const p of wg0.peers) {
		network[p.section] = sec('wireguard_wg0', p.section, Object.assign({ description: p.name, public_key: p.public_key,
			allowed_ips: p.allowed_ips }, p.state == 'disabled' ? { disabled: '1' } : {}));
		wgowrt[p.section] = sec('peer', p.section, { iface: 'wg0', tunnel: 'full', keepalive: '25', dns: [ '10.8.0.1' ] });
	}
	idx = 0;
	const firewall = {
		cfg01e63d: Object.assign(sec('defaults', 'cfg01e63d', { input: 'REJECT', output: 'ACCEPT', forward: 'REJECT' }), { '.anonymous': true }),
		cfg02dc81: Object.assign(sec('zone', 'cfg02dc81', { name: 'lan', network: [ 'lan' ], input: 'ACCEPT', output: 'ACCEPT', forward: 'ACCEPT' }), { '.anonymous': true }),
		cfg03dc81: Object.assign(sec('zone', 'cfg03dc81', { name: 'wan', network: [ 'wan' ], input: 'REJECT', output: 'ACCEPT', forward: 'REJECT', masq: '1' }), { '.anonymous': true }),
		wgowrt_wg0_zone: sec('zone', 'wgowrt_wg0_zone', { name: 'vpn', network: [ 'wg0' ], input: 'ACCEPT', output: 'ACCEPT', forward: 'REJECT' })
	};
	return { network, firewall, wgowrt };
}

module.exports = { liveStatus, bigStatus, uciConfigs, key };
