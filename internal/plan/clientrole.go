package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// The client role: the router dials a provider (a commercial VPN, ARDC's
// 44Net Connect) with the facts of a wg-quick file and routes some of its
// traffic through the tunnel. Everything is netifd's and fw4's own schema:
// ip4table/ip6table on the interface, rule/route sections, a zone.

// Client modes.
const (
	// ModeFull sends the LAN's traffic through the tunnel by policy
	// routing. Main's default route stays on wan, so the router's own
	// traffic and its replies to connections that came in on wan leave
	// via wan: replacing main's default (what route_allowed_ips does
	// without ip4table, conformance/netifd/client-full.txtar) would send
	// the answer to an SSH session from the internet into the tunnel.
	ModeFull = "full"
	// ModeSplit routes only the given prefixes through the tunnel, in main.
	ModeSplit = "split"
	// ModeSource (44Net model 1) routes only traffic from the tunnel
	// addresses through the tunnel: netifd's ip4table rules.
	ModeSource = "source"
)

// LAN policies of a client.
const (
	LanNone       = "none"
	LanMasquerade = "masquerade"
)

// TypeClient is the wgowrt section type that marks a client interface.
const TypeClient = "client"

// Rule priorities: below netifd's per-address rules (10000) so the
// "local destinations stay local" rule is consulted first, and below
// main's 32766.
const (
	prioMain   = "9000"
	prioTunnel = "9001"
)

// killMetric is the metric of the unreachable fallback routes: any metric
// above the tunnel's own routes (the interface metric, 0) keeps them
// inactive while the tunnel is up. netifd replaces routes of equal metric,
// so it must differ.
const killMetric = "65535"

// ClientIntent is `wgowrt client import` and `client add`.
type ClientIntent struct {
	Iface string
	// Mode is full, split or source; "" picks full when a peer routes
	// 0.0.0.0/0, split otherwise.
	Mode string
	// Allowed replaces the peer's AllowedIPs in split mode.
	Allowed    []netip.Prefix
	KillSwitch bool
	// Lan is none or masquerade; "" = masquerade in full and split mode.
	Lan   string
	Allow []Service
	Conf  *wgquick.Config
	// AllowLockout routes prefixes holding the address of the SSH session
	// running the command (--allow-lockout).
	AllowLockout bool
}

// client is the settled intent: every default decided.
type client struct {
	ClientIntent
	table   string
	zone    string
	peers   []wgquick.Peer
	lanNets []string
}

// ClientImport plans a client interface from in. Importing the same facts
// again changes nothing.
func ClientImport(cur State, in ClientIntent) (*Result, error) {
	r := &Result{State: cur.clone()}
	c, err := settleClient(r, in)
	if err != nil {
		return nil, err
	}
	if err := convergeOwned(r, c.Iface, clientSections(r.State, c), isClientSection(c.Iface)); err != nil {
		return nil, err
	}
	if err := ensure(r.State.Wgowrt, TypeClient, c.Iface, clientMeta(c)...); err != nil {
		return nil, err
	}
	if err := steerDNS(r, c); err != nil {
		return nil, err
	}
	clientWarnings(r, c)
	return r, nil
}

// settleClient validates the intent against the router and decides the
// defaults.
func settleClient(r *Result, in ClientIntent) (*client, error) {
	if err := validateClientIface(r.State, in.Iface); err != nil {
		return nil, err
	}
	c := &client{ClientIntent: in, peers: in.Conf.Peers}
	if err := settleMode(c); err != nil {
		return nil, err
	}
	if err := checkPeers(c); err != nil {
		return nil, err
	}
	if err := checkClientOverlap(r, c); err != nil {
		return nil, err
	}
	var err error
	if c.Mode != ModeSplit {
		if c.table, err = clientTable(r.State, c.Iface, in.Conf.Table); err != nil {
			return nil, err
		}
	}
	if c.zone, err = clientZoneName(r.State, c.Iface); err != nil {
		return nil, err
	}
	c.lanNets = lanNetworks(r.State)
	if c.Lan == LanMasquerade && len(c.lanNets) == 0 {
		return nil, fmt.Errorf("no lan network found (a zone named lan or an interface lan); use --lan none")
	}
	return c, nil
}

// validateClientIface checks the name and that it is free or a wgowrt
// client already.
func validateClientIface(st State, iface string) error {
	if err := wg.ValidateIface(iface); err != nil {
		return err
	}
	meta := st.Wgowrt.Section(iface)
	sec := st.Network.Section(iface)
	if meta != nil && meta.Type == TypeClient {
		return nil
	}
	if sec != nil || meta != nil {
		return fmt.Errorf("interface %s already exists and was not created by 'wgowrt client'; choose another name with --iface", iface)
	}
	if what := deviceTaken(st, iface); what != "" {
		return fmt.Errorf("%s is already a network device on this router (%s); choose another name with --iface", iface, what)
	}
	return nil
}

// settleMode picks the mode and LAN policy and checks the flags fit it.
func settleMode(c *client) error {
	if c.Mode == "" {
		c.Mode = ModeSplit
		if routesDefault(c.peers, true) {
			c.Mode = ModeFull
		}
	}
	switch c.Mode {
	case ModeFull, ModeSplit:
		if c.Lan == "" {
			c.Lan = LanMasquerade
		}
	case ModeSource:
		if c.Lan == "" {
			c.Lan = LanNone
		}
		if c.Lan != LanNone {
			return fmt.Errorf("--lan %s does not apply to --mode source: only traffic from %s's own addresses uses the tunnel (use --mode full or split for the LAN)", c.Lan, c.Iface)
		}
	default:
		return fmt.Errorf("--mode %q is not one of full, split, source", c.Mode)
	}
	if c.Lan != LanNone && c.Lan != LanMasquerade {
		return fmt.Errorf("--lan %q is not one of none, masquerade", c.Lan)
	}
	if len(c.Allowed) > 0 && c.Mode != ModeSplit {
		return fmt.Errorf("--allowed only applies to --mode split (mode %s routes by the peer's AllowedIPs)", c.Mode)
	}
	if c.Mode == ModeFull && c.Lan == LanNone {
		return fmt.Errorf("--mode full with --lan none would route nothing through the tunnel (the router's own traffic stays on wan so it remains reachable there); use --lan masquerade or --mode source")
	}
	return nil
}

// routesDefault reports whether a peer routes the whole IPv4 (v4) or IPv6
// internet.
func routesDefault(peers []wgquick.Peer, v4 bool) bool {
	for _, p := range peers {
		for _, a := range p.AllowedIPs {
			if a.Bits() == 0 && a.Addr().Is4() == v4 {
				return true
			}
		}
	}
	return false
}

// checkPeers checks what the mode needs from the peers and applies
// --allowed.
func checkPeers(c *client) error {
	if len(c.Conf.Addresses) == 0 {
		return fmt.Errorf("the configuration has no Address: the tunnel needs the address the provider assigned")
	}
	for _, p := range c.peers {
		if p.Endpoint.Host == "" {
			return fmt.Errorf("peer %s has no Endpoint: the router must know where to connect", p.PublicKey)
		}
	}
	if err := peersOverlap(c.peers); err != nil {
		return err
	}
	switch c.Mode {
	case ModeFull:
		if !routesDefault(c.peers, true) {
			return fmt.Errorf("--mode full needs a peer with AllowedIPs 0.0.0.0/0; this configuration routes only %s (use --mode split)", peerPrefixes(c.peers))
		}
	case ModeSplit:
		return splitAllowedIPs(c)
	}
	return nil
}

// peersOverlap refuses two peers claiming the same prefix: WireGuard
// would silently give it to the last one.
func peersOverlap(peers []wgquick.Peer) error {
	owner := map[netip.Prefix]int{}
	for i, p := range peers {
		for _, a := range p.AllowedIPs {
			if j, dup := owner[a]; dup && j != i {
				return fmt.Errorf("AllowedIPs %s is claimed by two peers (lines %d and %d); WireGuard routes a prefix to one peer only", a, peers[j].Line, p.Line)
			}
			owner[a] = i
		}
	}
	return nil
}

// splitAllowedIPs decides the prefixes of a split tunnel: --allowed, or
// the file's AllowedIPs when they are not a default route.
func splitAllowedIPs(c *client) error {
	if len(c.Allowed) > 0 {
		if len(c.peers) != 1 {
			return fmt.Errorf("--allowed needs a configuration with exactly one peer (this one has %d); edit the AllowedIPs of each peer instead", len(c.peers))
		}
		for _, a := range c.Allowed {
			if a.Bits() == 0 {
				return fmt.Errorf("--allowed %s is a default route; use --mode full", a)
			}
		}
		peers := append([]wgquick.Peer(nil), c.peers...)
		peers[0].AllowedIPs = append([]netip.Prefix(nil), c.Allowed...)
		c.peers = peers
		return nil
	}
	for _, p := range c.peers {
		for _, a := range p.AllowedIPs {
			if a.Bits() == 0 {
				return fmt.Errorf("--mode split needs --allowed CIDR...: this configuration routes %s, i.e. everything", a)
			}
		}
	}
	if peerPrefixes(c.peers) == "" {
		return fmt.Errorf("--mode split needs --allowed CIDR...: the peers have no AllowedIPs")
	}
	return nil
}

func peerPrefixes(peers []wgquick.Peer) string {
	var s []string
	for _, p := range peers {
		for _, a := range p.AllowedIPs {
			s = append(s, a.String())
		}
	}
	return strings.Join(s, " ")
}

// clientWarnings reports what the import could not carry over or what the
// user should know about the mode.
func clientWarnings(r *Result, c *client) {
	for _, d := range c.Conf.Ignored {
		r.warnf("line %d: %s has no equivalent in OpenWrt's configuration and was not imported", d.Line, d.Key)
	}
	if t := c.Conf.Table; t == "off" || t != "" && t != "auto" && t != c.table {
		r.warnf("Table = %s ignored: --mode %s decides the routes (table %s)", t, c.Mode, orMain(c.table))
	}
	if c.Mode != ModeFull && len(c.Conf.DNS)+len(c.Conf.DNSSearch) > 0 {
		r.warnf("DNS not used in --mode %s: the router keeps its resolvers (only --mode full sends DNS through the tunnel)", c.Mode)
	}
	if c.Mode == ModeSource && len(c.Allow) == 0 {
		r.warnf("no --allow: the firewall refuses every connection to %s from the tunnel; open services with e.g. --allow tcp/22", addrList(c.Conf.Addresses))
	}
	if c.KillSwitch && c.Mode == ModeSource {
		r.warnf("--kill-switch has no effect in --mode source: when %s is down its addresses are gone, so nothing can be sent from them", c.Iface)
	}
	if c.Mode == ModeFull {
		r.infof("full tunnel: the LAN uses %s; the router's own traffic and replies to connections from wan keep using wan", c.Iface)
	}
}

func orMain(t string) string {
	if t == "" {
		return "main"
	}
	return t
}
