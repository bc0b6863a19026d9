package plan

import (
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// A hand-made server (the wiki's scripts, LuCI) opens its listen port with
// a rule of its own ("Allow-WireGuard", "Allow-WG"). Adopt records that
// rule as part of the server when it exists for nothing else (UDP to
// exactly the listen port, from the wan zone, to the router, ACCEPT, no
// further matches): option port_rule of wgowrt's note names it (its name
// option, else its section name). The firewall file is not touched. 'server
// remove' then deletes it with the interface — what someone who asks to
// remove the server expects — provided it still only opens that port
// (disabled or not). 'server init --port' moves it along
// (recordedPortRule). A rule that does more, or that adopt did not
// record, stays the user's; 'server remove' names it in a warning instead.

// optPortRule is the note's option naming the adopted port rule.
const optPortRule = "port_rule"

// portRuleKeys are the options a port rule adopt records may have.
var portRuleKeys = map[string]bool{"name": true, "src": true, "proto": true, "dest_port": true, "target": true, "family": true, "enabled": true}

// adoptPortRule records the hand-made rule that only opens port.
func adoptPortRule(r *AdoptResult, iface string, port int) error {
	fw, w := r.State.Firewall, r.State.Wgowrt
	if w.Section(iface) == nil || get(w.Section(iface), optPortRule) != "" || fw.Section(wg.FirewallSection(iface, wg.FwPort)) != nil {
		return nil
	}
	for _, s := range fw.SectionsOfType("rule") {
		id := ruleID(s)
		if id == "" || !onlyOpensPort(fw, s, port) {
			continue
		}
		r.Found.PortRule = id
		r.infof("firewall rule %s (%s) only opens udp port %d: recorded as part of %s, 'server remove' deletes it", fw.SectionRef(s), id, port, iface)
		return w.SetOption(iface, optPortRule, id)
	}
	return nil
}

// ruleID is how a note names a rule: its name option, else its section
// name; "" for an anonymous rule without a name.
func ruleID(s *uci.Section) string {
	if n := get(s, "name"); n != "" {
		return n
	}
	if !s.Anonymous {
		return s.Name
	}
	return ""
}

// dropPortRule deletes the port rule adopt recorded in note, while it
// still only opens port (or would, were it not disabled).
func dropPortRule(r *Result, note *uci.Section, port int) error {
	id := ""
	if note != nil {
		id = get(note, optPortRule)
	}
	fw := r.State.Firewall
	for _, s := range append([]*uci.Section(nil), fw.SectionsOfType("rule")...) {
		if id == "" || ruleID(s) != id || !portRuleShape(fw, s, port) {
			continue
		}
		r.infof("firewall rule %s (%s), which adopt recorded as opening the server's port, is removed", fw.SectionRef(s), id)
		if err := fw.DeleteSection(s.Name); err != nil {
			return err
		}
	}
	return nil
}

// recordedPortRule decides, on 'server init' of a server adopt recorded a
// port rule for (its note's port_rule), who opens its port; it returns
// true when the recorded rule does, so wgowrt adds no rule of its own. A
// rule that still only opens the old port is part of the server: it
// moves to the new port with it (a disabled one too, staying disabled,
// as wgowrt's own rule would: a warning says so). Without a port change,
// the rule stays the server's even when the user narrowed it (wgowrt does
// not widen it with its own). A rule the user changed, when the port
// moves, or one that is gone, is forgotten: wgowrt's own rule opens the
// port, and a line says so.
func recordedPortRule(r *Result, iface string, existing *Server, port int) (bool, error) {
	fw, w := r.State.Firewall, r.State.Wgowrt
	id := get(w.Section(iface), optPortRule)
	if id == "" || existing == nil {
		return false, nil
	}
	s := ruleByID(fw, id)
	switch {
	case s != nil && portRuleShape(fw, s, existing.Port):
		if port == existing.Port {
			return true, nil
		}
		if get(s, "enabled") == "0" {
			r.warnf("firewall rule %s (%s), recorded by adopt as part of %s, now opens udp port %d instead of %d, and stays disabled (enabled '0'): peers cannot reach %s from wan", fw.SectionRef(s), id, iface, port, existing.Port, iface)
		} else {
			r.infof("firewall rule %s (%s), recorded by adopt as part of %s, now opens udp port %d instead of %d", fw.SectionRef(s), id, iface, port, existing.Port)
		}
		return true, fw.SetOption(s.Name, "dest_port", strconv.Itoa(port))
	case s != nil && port == existing.Port && opensFromWan(fw, s, port):
		return true, nil
	case s != nil:
		r.warnf("firewall rule %s (%s), which adopt recorded as opening %s's port, was changed since (it no longer only opens udp port %d): it is left as is and is no longer part of %s; wgowrt's own rule Allow-WireGuard-%s opens udp port %d",
			fw.SectionRef(s), id, iface, existing.Port, iface, iface, port)
	default:
		r.infof("no firewall rule is named %s any more (adopt recorded it as opening %s's port): wgowrt's own rule Allow-WireGuard-%s opens udp port %d", id, iface, iface, port)
	}
	return false, w.SetOption(iface, optPortRule, "")
}

// ruleByID is the rule a note names (ruleID), nil when there is none.
func ruleByID(fw *uci.Package, id string) *uci.Section {
	for _, s := range fw.SectionsOfType("rule") {
		if ruleID(s) == id {
			return s
		}
	}
	return nil
}

// opensFromWan: s is a rule from the wan zone to the router that accepts
// udp to port, whatever else it matches.
func opensFromWan(fw *uci.Package, s *uci.Section, port int) bool {
	return get(s, "src") == wanZone(fw) && get(s, "dest") == "" && strings.EqualFold(get(s, "target"), "ACCEPT") && opensUDPPort(s, port)
}

// onlyOpensPort: s accepts udp to exactly port from the wan zone, to the
// router, and nothing else.
func onlyOpensPort(fw *uci.Package, s *uci.Section, port int) bool {
	return portRuleShape(fw, s, port) && get(s, "enabled") != "0"
}

// portRuleShape: s is a rule that only opens port (onlyOpensPort), or
// would when enabled.
func portRuleShape(fw *uci.Package, s *uci.Section, port int) bool {
	for _, o := range s.Options {
		if !portRuleKeys[o.Name] {
			return false
		}
	}
	return get(s, "src") == wanZone(fw) && strings.EqualFold(get(s, "proto"), "udp") && get(s, "dest_port") == strconv.Itoa(port) &&
		strings.EqualFold(get(s, "target"), "ACCEPT")
}

// warnPortRules names the rules not made by wgowrt that still open port
// from the wan zone after the server is gone.
func warnPortRules(r *Result, port int) {
	fw := r.State.Firewall
	for _, s := range fw.SectionsOfType("rule") {
		if !s.Anonymous && strings.HasPrefix(s.Name, wg.Prefix) || !opensFromWan(fw, s, port) {
			continue
		}
		ref := fw.SectionRef(s)
		r.warnf("firewall rule %s (%s, not made by wgowrt) still opens udp port %d from wan; delete it with 'uci delete firewall.%s' if nothing else listens there",
			ref, orDash(get(s, "name")), port, ref)
	}
}

// opensUDPPort: s's protocols include udp and its ports port.
func opensUDPPort(s *uci.Section, port int) bool {
	proto := strings.Fields(strings.ToLower(get(s, "proto")))
	udp := len(proto) == 0
	for _, p := range proto {
		udp = udp || p == "udp" || p == "all" || p == "tcpudp"
	}
	if !udp {
		return false
	}
	for _, d := range listOf(s, "dest_port") {
		for _, f := range strings.Fields(d) {
			lo, hi, _ := strings.Cut(strings.ReplaceAll(f, ":", "-"), "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err2 != nil {
				b = a
			}
			if err1 == nil && a <= port && port <= b {
				return true
			}
		}
	}
	return false
}

// wanZone is the name of the wan zone ("wan" when there is none).
func wanZone(fw *uci.Package) string {
	if z := findZone(fw, "wan"); z != nil {
		return get(z, "name")
	}
	return "wan"
}

func orDash(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}
