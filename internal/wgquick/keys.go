package wgquick

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// setInterface handles one key of [Interface]. Keys are case-insensitive,
// as wg(8) and wg-quick(8) read them.
func (p *parser) setInterface(key, value string) error {
	k := strings.ToLower(key)
	if hooks[k] {
		p.cfg.Ignored = append(p.cfg.Ignored, Directive{Line: p.line, Key: key})
		return nil
	}
	switch k {
	case "address":
		return p.addresses(value)
	case "dns":
		return p.dns(value)
	}
	if err := p.once(key); err != nil {
		return err
	}
	switch k {
	case "privatekey":
		return p.key(&p.cfg.PrivateKey, key, value)
	case "mtu":
		n, ok := parseInt(value, 576, 65535)
		if !ok {
			return p.errf("MTU %q is not a number between 576 and 65535", value)
		}
		p.cfg.MTU = n
	case "listenport":
		n, ok := parseInt(value, 1, 65535)
		if !ok {
			return p.errf("ListenPort %q is not a UDP port (1-65535)", value)
		}
		p.cfg.ListenPort = n
	case "table":
		return p.table(value)
	case "fwmark":
		return p.fwmark(value)
	default:
		return p.errf("unknown key %s in [Interface]", key)
	}
	return nil
}

func (p *parser) key(dst *wg.Key, name, value string) error {
	k, err := wg.ParseKey(value)
	if err != nil {
		return p.errf("%s: %v", name, err)
	}
	*dst = k
	return nil
}

func (p *parser) addresses(value string) error {
	items := splitList(value)
	if len(items) == 0 {
		return p.errf("Address is empty")
	}
	for _, a := range items {
		pr, err := wg.ParseAddrPrefix(a)
		if err != nil {
			return p.errf("Address %q is not an address or CIDR (e.g. 10.64.0.2/32)", a)
		}
		p.cfg.Addresses = append(p.cfg.Addresses, pr)
	}
	return nil
}

// dns keeps addresses as resolvers and anything else as a search domain,
// which is how wg-quick splits the list.
func (p *parser) dns(value string) error {
	items := splitList(value)
	if len(items) == 0 {
		return p.errf("DNS is empty")
	}
	for _, d := range items {
		if a, err := netip.ParseAddr(d); err == nil && a.Zone() == "" {
			p.cfg.DNS = append(p.cfg.DNS, a)
			continue
		}
		if _, err := wg.ParseEndpoint(d); err != nil || strings.ContainsAny(d, ":[]") {
			return p.errf("DNS entry %q is neither an address nor a search domain", d)
		}
		p.cfg.DNSSearch = append(p.cfg.DNSSearch, d)
	}
	return nil
}

func (p *parser) table(value string) error {
	v := strings.ToLower(value)
	if v == "off" || v == "auto" {
		p.cfg.Table = v
		return nil
	}
	if _, ok := parseInt(value, 1, 0x7fffffff); !ok {
		return p.errf("Table %q is not off, auto or a table number", value)
	}
	p.cfg.Table = value
	return nil
}

func (p *parser) fwmark(value string) error {
	if strings.EqualFold(value, "off") {
		return nil
	}
	n, err := strconv.ParseUint(value, 0, 32)
	if err != nil {
		return p.errf("FwMark %q is not off or a 32-bit number (e.g. 0xca6c)", value)
	}
	p.cfg.FwMark = uint32(n)
	return nil
}

// setPeer handles one key of a [Peer] block.
func (p *parser) setPeer(peer *Peer, key, value string) error {
	k := strings.ToLower(key)
	if k == "allowedips" {
		return p.allowedIPs(peer, value)
	}
	if err := p.once(key); err != nil {
		return err
	}
	switch k {
	case "publickey":
		return p.key(&peer.PublicKey, key, value)
	case "presharedkey":
		var psk wg.Key
		if err := p.key(&psk, key, value); err != nil {
			return err
		}
		peer.PresharedKey = &psk
	case "endpoint":
		return p.endpoint(peer, value)
	case "persistentkeepalive":
		return p.keepalive(peer, value)
	default:
		if hooks[k] {
			return p.errf("%s belongs in [Interface], not [Peer]", key)
		}
		return p.errf("unknown key %s in [Peer]", key)
	}
	return nil
}

func (p *parser) allowedIPs(peer *Peer, value string) error {
	for _, a := range splitList(value) {
		pr, err := wg.ParseAddrPrefix(a)
		if err != nil {
			return p.errf("AllowedIPs entry %q is not a CIDR (e.g. 0.0.0.0/0)", a)
		}
		peer.AllowedIPs = append(peer.AllowedIPs, pr.Masked())
	}
	return nil
}

// endpoint needs a port: wg(8) refuses an endpoint without one.
func (p *parser) endpoint(peer *Peer, value string) error {
	e, err := wg.ParseEndpoint(value)
	if err != nil || e.Port == 0 {
		return p.errf("Endpoint %q is not HOST:PORT (e.g. vpn.example.net:51820 or [2001:db8::1]:51820)", value)
	}
	peer.Endpoint = e
	return nil
}

func (p *parser) keepalive(peer *Peer, value string) error {
	if strings.EqualFold(value, "off") {
		return nil
	}
	n, ok := parseInt(value, 0, 65535)
	if !ok {
		return p.errf("PersistentKeepalive %q is not off or seconds (0-65535)", value)
	}
	peer.Keepalive = n
	return nil
}
