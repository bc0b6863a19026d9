package realize

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ruleset collects nft chains in render order.
type ruleset struct {
	order  []string
	heads  map[string]string
	chains map[string][]string
}

func newRuleset() *ruleset {
	return &ruleset{heads: map[string]string{}, chains: map[string][]string{}}
}

func (rs *ruleset) chain(name, head string) {
	if _, ok := rs.chains[name]; ok {
		return
	}
	rs.order = append(rs.order, name)
	rs.heads[name] = head
	rs.chains[name] = nil
}

func (rs *ruleset) add(chain string, lines ...string) {
	rs.chain(chain, "")
	rs.chains[chain] = append(rs.chains[chain], lines...)
}

// String renders one nft script that replaces table inet fw4 atomically, as
// fw4 does (§2.3): create, flush, then define everything in one transaction.
func (rs *ruleset) String() string {
	var b strings.Builder
	b.WriteString("table inet fw4\nflush table inet fw4\n\ntable inet fw4 {\n")
	for _, name := range rs.order {
		fmt.Fprintf(&b, "\tchain %s {\n", name)
		if h := rs.heads[name]; h != "" {
			fmt.Fprintf(&b, "\t\t%s\n", h)
		}
		for _, l := range rs.chains[name] {
			fmt.Fprintf(&b, "\t\t%s\n", l)
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func hook(typ, hook, prio, pol string) string {
	return fmt.Sprintf("type %s hook %s priority %s; policy %s;", typ, hook, prio, pol)
}

// chainPolicy is the base chain policy for a defaults value: only ACCEPT
// accepts; REJECT is a drop policy plus a final jump to handle_reject.
func chainPolicy(p string) string {
	if p == "accept" {
		return "accept"
	}
	return "drop"
}

// Render turns the firewall (zones already resolved to devices) into the
// nft script the realizer loads.
func Render(f *Firewall) (string, error) {
	rs := newRuleset()
	d := f.Defaults
	rs.chain("input", hook("filter", "input", "filter", chainPolicy(d.Input)))
	rs.chain("forward", hook("filter", "forward", "filter", chainPolicy(d.Forward)))
	rs.chain("output", hook("filter", "output", "filter", chainPolicy(d.Output)))
	rs.chain("dstnat", hook("nat", "prerouting", "dstnat", "accept"))
	rs.chain("srcnat", hook("nat", "postrouting", "srcnat", "accept"))
	rs.chain("mangle_forward", hook("filter", "forward", "mangle", "accept"))
	rs.chain("mangle_postrouting", hook("filter", "postrouting", "mangle", "accept"))
	rs.add("handle_reject", "meta l4proto tcp reject with tcp reset", "reject with icmpx type "+d.AnyRejectCode)
	renderBaseHeads(rs, d)
	if err := renderRules(rs, f); err != nil {
		return "", err
	}
	for _, z := range f.Zones {
		renderZone(rs, f, z)
	}
	renderBaseTails(rs, d)
	if err := renderNAT(rs, f); err != nil {
		return "", err
	}
	return rs.String(), nil
}

func renderBaseHeads(rs *ruleset, d Defaults) {
	rs.add("input", `iif "lo" accept`)
	rs.add("output", `oif "lo" accept`)
	for _, c := range []string{"input", "forward", "output"} {
		rs.add(c, "ct state vmap { established : accept, related : accept }")
		if d.DropInvalid {
			rs.add(c, "ct state invalid drop")
		}
	}
	if d.SynFlood {
		rs.add("input", "tcp flags & (fin | syn | rst | ack) == syn jump syn_flood")
		rs.add("syn_flood", fmt.Sprintf("limit rate %s burst %s packets return", d.SynRate, d.SynBurst), "drop")
	}
}

func renderBaseTails(rs *ruleset, d Defaults) {
	for c, p := range map[string]string{"input": d.Input, "forward": d.Forward, "output": d.Output} {
		if p == "reject" {
			rs.add(c, "jump handle_reject")
		}
	}
}

// nfproto is the family guard for a zone or rule family ("" = both).
func nfproto(fam string) string {
	if fam == "" {
		return ""
	}
	return "meta nfproto " + fam + " "
}

func renderZone(rs *ruleset, f *Firewall, z *Zone) {
	// Every zone chain exists even without devices: other chains jump to them.
	for _, c := range []string{"input_", "output_", "forward_", "accept_from_", "reject_from_", "drop_from_", "accept_to_", "reject_to_", "drop_to_"} {
		rs.chain(c+z.Name, "")
	}
	for _, dev := range z.Devices {
		in, out := fmt.Sprintf(`%siifname "%s"`, nfproto(z.Family), dev), fmt.Sprintf(`%soifname "%s"`, nfproto(z.Family), dev)
		rs.add("input", in+" jump input_"+z.Name)
		rs.add("forward", in+" jump forward_"+z.Name)
		rs.add("output", out+" jump output_"+z.Name)
		rs.add("accept_from_"+z.Name, in+" counter accept")
		rs.add("reject_from_"+z.Name, in+" counter jump handle_reject")
		rs.add("drop_from_"+z.Name, in+" counter drop")
		if z.Masq {
			// fw4's "Prevent NAT leakage": invalid flows must not leave unmasqueraded.
			rs.add("accept_to_"+z.Name, fmt.Sprintf(`meta nfproto ipv4 oifname "%s" ct state invalid counter drop`, dev))
		}
		rs.add("accept_to_"+z.Name, out+" counter accept")
		rs.add("reject_to_"+z.Name, out+" counter jump handle_reject")
		rs.add("drop_to_"+z.Name, out+" counter drop")
		if z.MTUFix {
			clamp := "tcp flags syn / syn,fin,rst tcp option maxseg size set rt mtu"
			rs.add("mangle_forward", in+" "+clamp)
			rs.add("mangle_postrouting", out+" "+clamp)
		}
	}
	for _, fw := range f.Forwardings {
		if fw.Src == z.Name {
			rs.add("forward_"+z.Name, nfproto(fw.Family)+"jump accept_to_"+fw.Dest)
		}
	}
	if hasDNAT(f, z.Name) {
		rs.add("input_"+z.Name, "ct status dnat accept")
		rs.add("forward_"+z.Name, "ct status dnat accept")
	}
	rs.add("input_"+z.Name, "jump "+z.Input+"_from_"+z.Name)
	rs.add("output_"+z.Name, "jump "+z.Output+"_to_"+z.Name)
	rs.add("forward_"+z.Name, "jump "+z.Forward+"_to_"+z.Name)
}

func hasDNAT(f *Firewall, zone string) bool {
	for _, rd := range f.Redirects {
		if rd.Target == "dnat" && rd.Src == zone {
			return true
		}
	}
	return false
}

// ruleChain applies fw4's chain selection (§2.1): src+dest → forward_<src>,
// src only → input_<src>, dest only → output_<dest>; "*" means the base chain.
func ruleChain(r *FwRule) string {
	switch {
	case r.Src != "" && r.Dest != "":
		if r.Src == "*" {
			return "forward"
		}
		return "forward_" + r.Src
	case r.Src != "":
		if r.Src == "*" {
			return "input"
		}
		return "input_" + r.Src
	case r.Dest != "" && r.Dest != "*":
		return "output_" + r.Dest
	}
	return "output"
}

// ruleVerdict is the statement ending a rule; "" when the rule has no target
// (fw4 renders such a rule with a counter and no verdict).
func ruleVerdict(r *FwRule) string {
	if r.Target == "" {
		return ""
	}
	if r.Src != "" && r.Dest != "" && r.Dest != "*" {
		return "jump " + r.Target + "_to_" + r.Dest
	}
	switch r.Target {
	case "accept":
		return "accept"
	case "drop":
		return "drop"
	}
	return "jump handle_reject"
}

func renderRules(rs *ruleset, f *Firewall) error {
	for _, r := range f.Rules {
		ms, err := ruleMatches(f, r)
		if err != nil {
			return fmt.Errorf("firewall: rule '%s': %w", r.Name, err)
		}
		tail := "counter"
		if r.Limit != "" {
			tail = "limit rate " + rate(r.Limit)
			if r.LimitBurst != "" {
				tail += " burst " + r.LimitBurst + " packets"
			}
			tail += " counter"
		}
		if v := ruleVerdict(r); v != "" {
			tail += " " + v
		}
		for _, m := range ms {
			rs.add(ruleChain(r), strings.TrimSpace(m+" "+tail))
		}
	}
	return nil
}

// matchSpec is what a rule, redirect or nat section matches on.
type matchSpec struct {
	family         string // "", ipv4, ipv6
	protos         []string
	srcIP, destIP  []string
	srcPort, dPort []string
	icmp           []string
	zoneFamilies   []string
}

func ruleMatches(f *Firewall, r *FwRule) ([]string, error) {
	m := matchSpec{family: r.Family, protos: r.Proto, srcIP: r.SrcIP, destIP: r.DestIP,
		srcPort: r.SrcPort, dPort: r.DestPort, icmp: r.ICMPTypes}
	for _, zn := range []string{r.Src, r.Dest} {
		if z := f.Zone(zn); z != nil && z.Family != "" {
			m.zoneFamilies = append(m.zoneFamilies, z.Family)
		}
	}
	return m.lines()
}

// lines expands a match into one nft match string per family and protocol,
// the way fw4 splits tcpudp and icmp (conformance/fw4/rule-shapes.txtar).
func (m matchSpec) lines() ([]string, error) {
	fams, specific, err := m.families()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, fam := range fams {
		for _, p := range m.expandProtos(fam) {
			ls, err := m.protoLines(fam, p)
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				addr, ok := m.addrMatch(fam)
				if !ok {
					continue
				}
				prefix := ""
				if specific {
					prefix = "meta nfproto " + fam + " "
				}
				out = append(out, strings.TrimSpace(prefix+addr+l))
			}
		}
	}
	return out, nil
}

// families returns the families to render and whether lines need a family
// guard: a family option, addresses, icmp or a zone family make it specific.
func (m matchSpec) families() ([]string, bool, error) {
	want := map[string]bool{"ipv4": true, "ipv6": true}
	restrict := func(f string) {
		for k := range want {
			if k != f {
				delete(want, k)
			}
		}
	}
	specific := false
	for _, f := range append([]string{m.family}, m.zoneFamilies...) {
		if f != "" {
			restrict(f)
			specific = true
		}
	}
	if fs := addrFamilies(append(append([]string{}, m.srcIP...), m.destIP...)); len(fs) == 1 {
		restrict(fs[0])
		specific = true
	} else if len(fs) == 2 {
		specific = true
	}
	for _, p := range m.protos {
		if p == "icmp" || p == "igmp" {
			specific = true
		}
	}
	if !specific {
		return []string{""}, false, nil
	}
	var out []string
	for _, f := range []string{"ipv4", "ipv6"} {
		if want[f] {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("family, zones and addresses select no address family")
	}
	return out, true, nil
}

func addrFamilies(addrs []string) []string {
	has := map[string]bool{}
	for _, a := range addrs {
		if p, err := parseAddrOrPrefix(a); err == nil {
			if p.Addr().Is4() {
				has["ipv4"] = true
			} else {
				has["ipv6"] = true
			}
		}
	}
	var out []string
	for _, f := range []string{"ipv4", "ipv6"} {
		if has[f] {
			out = append(out, f)
		}
	}
	return out
}

func parseAddrOrPrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	return netip.PrefixFrom(a, a.BitLen()), err
}

func (m matchSpec) expandProtos(fam string) []string {
	var out []string
	for _, p := range m.protos {
		switch p {
		case "tcpudp":
			out = append(out, "tcp", "udp")
		case "all", "any", "*":
			out = append(out, "")
		case "icmp", "icmpv6":
			if fam == "ipv6" {
				out = append(out, "icmpv6")
			} else {
				out = append(out, "icmp")
			}
		case "igmp":
			if fam != "ipv6" {
				out = append(out, p)
			}
		default:
			out = append(out, p)
		}
	}
	return out
}

// protoLines renders the layer-4 part for one protocol: ports for tcp/udp,
// icmp types (plain types and type . code pairs are separate lines, as in
// fw4), or a bare l4proto match.
func (m matchSpec) protoLines(fam, p string) ([]string, error) {
	switch {
	case (p == "tcp" || p == "udp") && (len(m.srcPort) > 0 || len(m.dPort) > 0):
		l := ""
		if len(m.srcPort) > 0 {
			l += p + " sport " + set(m.srcPort) + " "
		}
		if len(m.dPort) > 0 {
			l += p + " dport " + set(m.dPort) + " "
		}
		return []string{l}, nil
	case (p == "icmp" || p == "icmpv6") && len(m.icmp) > 0:
		return icmpLines(p, m.icmp)
	case p == "":
		return []string{""}, nil
	}
	return []string{"meta l4proto " + p + " "}, nil
}

func icmpLines(p string, names []string) ([]string, error) {
	types, pairs, ok, err := icmpTypes(names, p == "icmpv6")
	if err != nil || !ok {
		return nil, err
	}
	var out []string
	if len(types) > 0 {
		var s []string
		for _, t := range types {
			s = append(s, strconv.Itoa(t))
		}
		out = append(out, p+" type "+set(s)+" ")
	}
	if len(pairs) > 0 {
		var s []string
		for _, t := range pairs {
			s = append(s, fmt.Sprintf("%d . %d", t.typ, t.code))
		}
		out = append(out, p+" type . "+p+" code "+set(s)+" ")
	}
	return out, nil
}

// addrMatch renders the saddr/daddr part for one family; ok is false when
// the section has addresses but none of this family.
func (m matchSpec) addrMatch(fam string) (string, bool) {
	l := ""
	for _, sd := range []struct {
		dir   string
		addrs []string
	}{{"saddr", m.srcIP}, {"daddr", m.destIP}} {
		if len(sd.addrs) == 0 {
			continue
		}
		var keep []string
		for _, a := range sd.addrs {
			if fs := addrFamilies([]string{a}); len(fs) == 1 && (fam == "" || fs[0] == fam) {
				keep = append(keep, a)
			}
		}
		if len(keep) == 0 {
			return "", false
		}
		proto := "ip"
		if fam == "ipv6" || (fam == "" && addrFamilies(keep)[0] == "ipv6") {
			proto = "ip6"
		}
		l += proto + " " + sd.dir + " " + set(keep) + " "
	}
	return l, true
}

func set(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return "{ " + strings.Join(items, ", ") + " }"
}
