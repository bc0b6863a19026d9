package plan

import (
	"fmt"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// A server adopt took over keeps its hand-made firewall policy: adopt
// marks its note firewall 'adopted' (when the interface is in a zone), and
// 'server init' then adds none of wgowrt's policy sections (forwardings,
// masquerades, the ping and DNS rules) unless a flag asks for that part
// (--lan-access, --internet, --router-access): what adopt read into the
// note (lan_access, internet, router_access) only approximates what the
// hand-made firewall does (a one-way forwarding vpn -> lan reads as
// routed, a zone with input REJECT as router access none), and wgowrt
// would otherwise "complete" it (lan -> vpn, Allow-Ping, an IPv6
// masquerade) on a mere port change. Sections wgowrt made on a flag are
// kept converged. Its listen port stays opened by what opened it
// (handPortRule).

// optFirewall is the note's option marking a hand-made firewall.
const optFirewall = "firewall"

// policyFlags are the roles each server init flag governs.
var policyFlags = []struct {
	flag  string
	roles []string
}{
	{"--lan-access", []string{wg.FwToLan, wg.FwFromLan, wg.FwMasq, wg.FwMasq6}},
	{"--internet", []string{wg.FwToWan, fwWanMasq6}},
	{"--router-access", []string{wg.FwDNS, wg.FwPing}},
}

// handPolicy is how 'server init' treats the policy of a server whose
// firewall is hand-made.
type handPolicy struct {
	handMade bool
	// asked maps each role a flag of the intent governs to that flag.
	asked map[string]string
}

// readHandPolicy tells whether iface's firewall is the hand-made one adopt
// found (its note says so and it still sits in a zone not wgowrt's); a
// note whose interface left every zone forgets it (wgowrt's zone and
// policy take over, as adopt's warning said).
func readHandPolicy(r *Result, in ServerIntent) (handPolicy, error) {
	hp := handPolicy{asked: map[string]string{}}
	given := map[string]bool{"--lan-access": in.LanAccess != "", "--internet": in.Internet != nil, "--router-access": in.RouterAccess != ""}
	for _, f := range policyFlags {
		for _, role := range f.roles {
			if given[f.flag] {
				hp.asked[role] = f.flag
			}
		}
	}
	w, fw := r.State.Wgowrt, r.State.Firewall
	note := w.Section(in.Iface)
	if note == nil || note.Type != wg.TypeServer || get(note, optFirewall) != FirewallAdopted {
		return hp, nil
	}
	z := zoneOfNetwork(fw, in.Iface)
	if z == nil || z.Name == wg.FirewallSection(in.Iface, wg.FwZone) {
		return hp, w.SetOption(in.Iface, optFirewall, "")
	}
	hp.handMade = true
	if len(hp.asked) == 0 {
		r.infof("%s's firewall is the hand-made one adopt found (zone %s): its policy is left as it is ('server init --lan-access', '--internet', '--router-access' change it)", in.Iface, get(z, "name"))
	}
	return hp, nil
}

// skip: wgowrt leaves role alone on a hand-made firewall (no flag asks
// for it and wgowrt has no section of its own for it).
func (hp handPolicy) skip(fw *uci.Package, iface, role string) bool {
	return hp.handMade && hp.asked[role] == "" && fw.Section(wg.FirewallSection(iface, role)) == nil
}

// reportHandPolicy says what a policy flag changed on a hand-made
// firewall (each section wgowrt added or removed), and, for any server,
// which hand-made forwarding still does what a flag turned off.
func reportHandPolicy(r *Result, fs fwSettings, before map[string]bool) {
	fw := r.State.Firewall
	for _, f := range policyFlags {
		for _, role := range f.roles {
			sec := wg.FirewallSection(fs.iface, role)
			now := fw.Section(sec) != nil
			if fs.policy.handMade && now != before[role] {
				what := map[bool]string{true: "adds " + describe(fw, sec), false: "removes firewall." + sec}[now]
				r.infof("%s on the hand-made firewall of %s: wgowrt %s", f.flag, fs.iface, what)
			}
		}
	}
	said := map[string]bool{}
	for _, f := range unwantedForwardings(fs) {
		how := handForwarding(fw, f[1], f[2])
		if how == "" || said[how+f[1]+f[2]] {
			continue
		}
		said[how+f[1]+f[2]] = true
		why := "not made by wgowrt"
		if nets := listOf(zoneNamed(fw, fs.zone), "network"); f[1] == f[2] {
			why = "the zone's own policy"
		} else if len(nets) > 1 {
			why = fmt.Sprintf("zone %s holds %s too", fs.zone, strings.Join(nets, ", "))
		}
		r.warnf("%s: %s still forwards %s -> %s and is left as is (%s); change it with uci or LuCI", f[3], how, f[1], f[2], why)
	}
}

// unwantedForwardings are the forwardings (role, src, dest, flag) a flag
// of the intent turned off.
func unwantedForwardings(fs fwSettings) [][4]string {
	var out [][4]string
	want := wantRoles(fs)
	for _, f := range [][4]string{{wg.FwToLan, fs.zone, fs.lanZone, "--lan-access"}, {wg.FwFromLan, fs.lanZone, fs.zone, "--lan-access"}, {wg.FwToWan, fs.zone, fs.wanZone, "--internet"}} {
		if fs.policy.asked[f[0]] != "" && !want[f[0]] && f[1] != "" && f[2] != "" {
			out = append(out, f)
		}
	}
	return out
}

// dropHandForwardings deletes, when a flag turns a forwarding off on a
// hand-made firewall, the hand-made forwardings that make it, provided
// the server's zone holds the interface alone (nothing else loses it); a
// line names each.
func dropHandForwardings(r *Result, fs fwSettings) error {
	fw := r.State.Firewall
	z := zoneNamed(fw, fs.zone)
	if z == nil || fs.ownsZone || !fs.policy.handMade {
		return nil
	}
	if nets := listOf(z, "network"); len(nets) != 1 || nets[0] != fs.iface {
		return nil
	}
	for _, f := range unwantedForwardings(fs) {
		for _, s := range append([]*uci.Section(nil), fw.SectionsOfType("forwarding")...) {
			if get(s, "src") != f[1] || get(s, "dest") != f[2] || strings.HasPrefix(s.Name, wg.Prefix) {
				continue
			}
			r.infof("%s: the hand-made forwarding firewall.%s (%s -> %s) is removed", f[3], fw.SectionRef(s), f[1], f[2])
			if err := fw.DeleteSection(s.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe names section sec of fw and what it does, for a line.
func describe(fw *uci.Package, sec string) string {
	s := fw.Section(sec)
	if s.Type == "forwarding" {
		return fmt.Sprintf("firewall.%s (forwarding %s -> %s)", sec, get(s, "src"), get(s, "dest"))
	}
	return fmt.Sprintf("firewall.%s (%s %s)", sec, s.Type, get(s, "name"))
}

// handForwarding names what forwards zone src to dest without wgowrt
// (forwardedByHand), "" when nothing does.
func handForwarding(fw *uci.Package, src, dest string) string {
	if !forwardedByHand(fw, src, dest) {
		return ""
	}
	if src == dest {
		return fmt.Sprintf("zone %s's forward policy ACCEPT", src)
	}
	for _, f := range fw.SectionsOfType("forwarding") {
		if get(f, "src") == src && get(f, "dest") == dest && !strings.HasPrefix(f.Name, wg.Prefix) {
			return "forwarding firewall." + fw.SectionRef(f)
		}
	}
	return "a forwarding"
}

// handPortRule decides, on a hand-made firewall with no recorded port
// rule, whether wgowrt's own rule opens the listen port: it does when
// wgowrt already has one (it follows the port), or when the port moves
// away from one a hand-made rule opens from wan (that rule is left as
// is). A port no rule opened stays unopened, and a line says so.
func handPortRule(r *Result, iface string, existing *Server, port int) bool {
	fw := r.State.Firewall
	if fw.Section(wg.FirewallSection(iface, wg.FwPort)) != nil {
		return true
	}
	if existing == nil || port == existing.Port || handOpensPort(fw, port) {
		return false
	}
	if handOpensPort(fw, existing.Port) {
		r.infof("a firewall rule not made by wgowrt opens udp port %d from wan and is left as is; wgowrt's own rule Allow-WireGuard-%s opens udp port %d", existing.Port, iface, port)
		return true
	}
	r.infof("no firewall rule opened %s's udp port %d from wan, and none is added for %d: the hand-made firewall is left as it was", iface, existing.Port, port)
	return false
}

// handOpensPort: an enabled rule not made by wgowrt opens udp port from
// the wan zone to the router.
func handOpensPort(fw *uci.Package, port int) bool {
	for _, s := range fw.SectionsOfType("rule") {
		if !strings.HasPrefix(s.Name, wg.Prefix) && get(s, "enabled") != "0" && opensFromWan(fw, s, port) {
			return true
		}
	}
	return false
}

// portRuleOwner tells whether wgowrt adds no port rule of its own: the
// rule adopt recorded opens the port (recordedPortRule), or, on a
// hand-made firewall without one, handPortRule says so. A recorded rule
// forgotten now is replaced by wgowrt's own, as recordedPortRule says.
func portRuleOwner(r *Result, iface string, existing *Server, port int, handMade bool) (bool, error) {
	recorded := get(r.State.Wgowrt.Section(iface), optPortRule) != ""
	adopted, err := recordedPortRule(r, iface, existing, port)
	if err != nil || adopted || !handMade || recorded {
		return adopted, err
	}
	return !handPortRule(r, iface, existing, port), nil
}
