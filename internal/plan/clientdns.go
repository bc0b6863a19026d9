package plan

import (
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// prioDNS is the rule that sends the router's own queries to the
// provider's resolvers into the tunnel's table. A route with table
// 'main' would not do: netifd puts an interface's routes into its
// ip4table whatever their table says (interface-ip.c), so it would land
// in the tunnel table that only LAN traffic looks up.
const prioDNS = "8990"

// dnsNote is wgowrt's record of what a full tunnel changed in dnsmasq:
// noresolv as it was, and the servers it added.
func dnsNote(iface string) string { return clientPrefix(iface) + "dns" }

// unsetMark records that an option was absent.
const unsetMark = "(unset)"

// steerDNS makes dnsmasq (the router's and the LAN's resolver) ask only
// the provider's resolvers while a full tunnel is configured: noresolv
// drops wan's (DHCP-given and static) resolvers, server names the
// provider's. What it finds is recorded so that restoreDNS puts it back.
func steerDNS(r *Result, c *client) error {
	if c.Mode != ModeFull || len(c.Conf.DNS) == 0 {
		return restoreDNS(r, c.Iface)
	}
	if r.State.Dhcp == nil {
		r.warnf("/etc/config/dhcp is not available here (missing, or a LuCI session, which may not write it): the router's resolver (dnsmasq) is not steered into %s, so DNS may leak through wan; 'wgowrt client import' on the router steers it", c.Iface)
		return nil
	}
	d := r.State.Dhcp
	s := firstDnsmasq(d)
	if s == nil {
		r.warnf("no dnsmasq section in /etc/config/dhcp: the router's resolver is not steered into %s, so DNS may leak through wan", c.Iface)
		return nil
	}
	var servers []string
	for _, a := range c.Conf.DNS {
		servers = append(servers, a.String())
	}
	w := r.State.Wgowrt
	note := dnsNote(c.Iface)
	if w.Section(note) == nil {
		was, ok := s.Get("noresolv")
		if !ok {
			was = unsetMark
		}
		if err := ensure(w, "dns", note, opt("iface", c.Iface), opt("noresolv", was)); err != nil {
			return err
		}
	}
	cur := s.List("server")
	for _, old := range listOf(w.Section(note), "server") {
		if !containsPlain(servers, old) {
			if err := swapListItem(d, s.Name, "server", cur, old, ""); err != nil {
				return err
			}
		}
	}
	for _, v := range servers {
		if !containsPlain(s.List("server"), v) {
			if err := swapListItem(d, s.Name, "server", s.List("server"), "", v); err != nil {
				return err
			}
		}
	}
	if v, _ := s.Get("noresolv"); v != "1" {
		if err := d.SetOption(s.Name, "noresolv", "1"); err != nil {
			return err
		}
	}
	r.infof("DNS: dnsmasq asks only %s, through %s (noresolv: wan's resolvers are not used while the tunnel is configured); 'wgowrt client remove --iface %s' puts the previous setup back",
		strings.Join(servers, ", "), c.Iface, c.Iface)
	return w.SetList(note, "server", servers)
}

// DNSRecord is what a full tunnel recorded of dnsmasq's setup: the
// servers it added and noresolv as it was before ("" when it was unset).
type DNSRecord struct {
	Servers  []string
	Noresolv string
}

// ReadDNSRecord returns the record of client iface, if it has one.
func ReadDNSRecord(st State, iface string) (DNSRecord, bool) {
	note := st.Wgowrt.Section(dnsNote(iface))
	if note == nil {
		return DNSRecord{}, false
	}
	rec := DNSRecord{Servers: listOf(note, "server"), Noresolv: get(note, "noresolv")}
	if rec.Noresolv == unsetMark {
		rec.Noresolv = ""
	}
	return rec, true
}

// restoreDNS undoes steerDNS: the servers it added go, noresolv is as it
// was, and the record goes.
func restoreDNS(r *Result, iface string) error {
	note := r.State.Wgowrt.Section(dnsNote(iface))
	if note == nil {
		return nil
	}
	d := r.State.Dhcp
	if d == nil {
		r.warnf("/etc/config/dhcp is missing: dnsmasq's previous DNS setup (noresolv, servers) cannot be put back")
		return drop(r.State.Wgowrt, note.Name)
	}
	if s := firstDnsmasq(d); s != nil {
		for _, v := range listOf(note, "server") {
			if err := swapListItem(d, s.Name, "server", s.List("server"), v, ""); err != nil {
				return err
			}
		}
		was := get(note, "noresolv")
		if was == unsetMark {
			was = ""
		}
		if v, _ := s.Get("noresolv"); v != was {
			if err := d.SetOption(s.Name, "noresolv", was); err != nil {
				return err
			}
		}
		r.infof("DNS: dnsmasq's previous setup is back (servers %s dropped, noresolv %s)", strings.Join(listOf(note, "server"), ", "), orUnset(was))
	}
	return drop(r.State.Wgowrt, note.Name)
}

func orUnset(v string) string {
	if v == "" {
		return unsetMark
	}
	return "'" + v + "'"
}

func firstDnsmasq(d *uci.Package) *uci.Section {
	if ss := d.SectionsOfType("dnsmasq"); len(ss) > 0 {
		return ss[0]
	}
	return nil
}

func containsPlain(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// dnsRules send the router's own queries to the provider's resolvers
// into the tunnel's table (with the kill switch, its unreachable default
// answers when the tunnel is down).
func dnsRules(n *uci.Package, c *client) []ownedSection {
	var out []ownedSection
	for i, d := range c.Conf.DNS {
		typ := "rule"
		if d.Is6() {
			typ = "rule6"
		}
		out = append(out, ownedSection{pkg: n, typ: typ, name: clientPrefix(c.Iface) + "dns" + itoaOrEmpty(i+1),
			opts: []kv{opt("dest", wg.Host(d).String()), opt("lookup", c.table), opt("priority", prioDNS)}})
	}
	return out
}
