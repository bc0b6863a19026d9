package lab

import (
	"bufio"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// wgQuickTable is the routing table and fwmark wg-quick uses for a default
// route through the tunnel (its "Table = auto" behaviour for 0.0.0.0/0).
const wgQuickTable = "51820"

// WGQuick brings up a wg-quick(8) style configuration, as a phone or laptop
// peer would use it, as link ifname inside n: wireguard-go + wgctrl for the
// keys and peers, then Address, MTU and one route per AllowedIPs entry. A
// /0 entry is routed the way wg-quick does it: fwmark 51820, a default route
// in table 51820, "not fwmark 51820 lookup 51820" and "lookup main
// suppress_prefixlength 0". DNS is accepted and not applied (no resolver in
// a namespace). Keys not listed below make it fail.
func (n *NS) WGQuick(ifname, conf string) (*WGDevice, error) {
	q, err := parseWGQuick(conf)
	if err != nil {
		return nil, err
	}
	dev, err := n.StartWireGuard(ifname)
	if err != nil {
		return nil, err
	}
	if err := configureWG(dev.UAPI, q.cfg); err != nil {
		return nil, err
	}
	for _, a := range q.addrs {
		if _, err := n.Run("ip", "address", "add", a.String(), "dev", ifname); err != nil {
			return nil, err
		}
	}
	if q.mtu != "" {
		if _, err := n.Run("ip", "link", "set", ifname, "mtu", q.mtu); err != nil {
			return nil, err
		}
	}
	if _, err := n.Run("ip", "link", "set", ifname, "up"); err != nil {
		return nil, err
	}
	return dev, n.wgQuickRoutes(dev, q)
}

func (n *NS) wgQuickRoutes(dev *WGDevice, q *wgQuickConf) error {
	for _, p := range q.routes {
		if p.Bits() != 0 {
			if _, err := n.Run("ip", "route", "add", p.String(), "dev", dev.Ifname); err != nil {
				return err
			}
			continue
		}
		fam := "-4"
		if p.Addr().Is6() {
			fam = "-6"
		}
		mark, _ := strconv.Atoi(wgQuickTable)
		if err := configureWG(dev.UAPI, wgtypes.Config{FirewallMark: &mark}); err != nil {
			return err
		}
		for _, args := range [][]string{
			{"ip", fam, "route", "add", p.String(), "dev", dev.Ifname, "table", wgQuickTable},
			{"ip", fam, "rule", "add", "not", "fwmark", wgQuickTable, "table", wgQuickTable},
			{"ip", fam, "rule", "add", "table", "main", "suppress_prefixlength", "0"},
		} {
			if _, err := n.Run(args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// configureWG applies cfg to the userspace device through wgctrl.
func configureWG(uapi string, cfg wgtypes.Config) error {
	c, err := wgdev.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.ConfigureDevice(uapi, cfg)
}

type wgQuickConf struct {
	cfg    wgtypes.Config
	addrs  []netip.Prefix
	routes []netip.Prefix
	mtu    string
}

func parseWGQuick(conf string) (*wgQuickConf, error) {
	q := &wgQuickConf{cfg: wgtypes.Config{ReplacePeers: true}}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(conf))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "["):
			section = strings.ToLower(strings.Trim(line, "[]"))
			if section == "peer" {
				q.cfg.Peers = append(q.cfg.Peers, wgtypes.PeerConfig{ReplaceAllowedIPs: true})
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, errorf("wg-quick: bad line %q", line)
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		var err error
		switch section {
		case "interface":
			err = q.setInterface(key, value)
		case "peer":
			err = q.setPeer(&q.cfg.Peers[len(q.cfg.Peers)-1], key, value)
		default:
			err = errorf("wg-quick: %q outside a section", line)
		}
		if err != nil {
			return nil, err
		}
	}
	return q, sc.Err()
}

func (q *wgQuickConf) setInterface(key, value string) error {
	switch key {
	case "privatekey":
		k, err := wgtypes.ParseKey(value)
		q.cfg.PrivateKey = &k
		return err
	case "listenport":
		p, err := strconv.Atoi(value)
		q.cfg.ListenPort = &p
		return err
	case "address":
		ps, err := prefixes(value)
		q.addrs = append(q.addrs, ps...)
		return err
	case "mtu":
		q.mtu = value
		return nil
	case "dns":
		// wg-quick hands DNS to resolvconf; a namespace has no resolver to
		// configure, and lab probes use addresses, not names.
		return nil
	}
	return errorf("wg-quick: [Interface] %s is not supported by the lab", key)
}

func (q *wgQuickConf) setPeer(p *wgtypes.PeerConfig, key, value string) error {
	var err error
	switch key {
	case "publickey":
		p.PublicKey, err = wgtypes.ParseKey(value)
	case "presharedkey":
		var k wgtypes.Key
		k, err = wgtypes.ParseKey(value)
		p.PresharedKey = &k
	case "allowedips":
		var ps []netip.Prefix
		ps, err = prefixes(value)
		for _, pr := range ps {
			p.AllowedIPs = append(p.AllowedIPs, ipNet(pr))
		}
		q.routes = append(q.routes, ps...)
	case "endpoint":
		p.Endpoint, err = net.ResolveUDPAddr("udp", value)
	case "persistentkeepalive":
		var s int
		s, err = strconv.Atoi(value)
		d := time.Duration(s) * time.Second
		p.PersistentKeepaliveInterval = &d
	default:
		err = errorf("wg-quick: [Peer] %s is not supported by the lab", key)
	}
	return err
}

// prefixes parses a comma-separated address list; a bare address is a host
// prefix, as in wg-quick.
func prefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		p, err := ParsePrefix(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses "a.b.c.d[/len]" or an IPv6 equivalent, keeping the host
// bits (an interface address, not a network).
func ParsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

func ipNet(p netip.Prefix) net.IPNet {
	p = p.Masked()
	return net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
