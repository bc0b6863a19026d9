package realize

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/wgowrt/wgowrt/uci"
)

// Firewall is /etc/config/firewall reduced to what firewall4 renders.
type Firewall struct {
	Defaults    Defaults
	Zones       []*Zone
	Forwardings []*Forwarding
	Rules       []*FwRule
	Redirects   []*Redirect
	NATs        []*NAT
}

// Defaults is the first `config defaults` section (§2.1: only the first is used).
type Defaults struct {
	Input, Output, Forward string
	SynFlood               bool
	SynRate, SynBurst      string
	DropInvalid            bool
	AnyRejectCode          string
}

// Zone is an enabled `config zone`; Devices is filled from the network.
type Zone struct {
	Name                   string
	Family                 string
	Networks               []string
	Devices                []string
	Input, Output, Forward string
	Masq, Masq6            bool
	MasqSrc, MasqDest      []string
	MTUFix                 bool
}

// Forwarding is an enabled `config forwarding`.
type Forwarding struct{ Src, Dest, Family string }

// FwRule is an enabled `config rule` (the fw4 one).
type FwRule struct {
	Name, Src, Dest, Family, Target string
	Proto                           []string
	SrcIP, DestIP                   []string
	SrcPort, DestPort               []string
	ICMPTypes                       []string
	Limit, LimitBurst               string
}

// Redirect is an enabled `config redirect`.
type Redirect struct {
	Name, Target, Family, Src, Dest  string
	Proto                            []string
	SrcIP, SrcPort, SrcDIP, SrcDPort string
	DestIP, DestPort                 string
	Reflection                       bool
}

// NAT is an enabled `config nat`.
type NAT struct {
	Name, Src, Target, Family string
	Proto                     []string
	SrcIP, SrcPort            string
	DestIP, DestPort          string
	SNATIP, SNATPort          string
}

var zoneName = regexp.MustCompile(`^[a-zA-Z_.][a-zA-Z0-9/_.-]*$`)

// ParseFirewall validates every section against Table and builds the model.
func ParseFirewall(pkg *uci.Package) (*Firewall, error) {
	f := &Firewall{Defaults: Defaults{Input: "drop", Output: "drop", Forward: "drop"}}
	seenDefaults := false
	for _, sec := range pkg.Sections {
		if err := checkSection("firewall", sec, ""); err != nil {
			return nil, err
		}
		if !isTrue(sec, "enabled", true) {
			continue
		}
		var err error
		switch sec.Type {
		case "defaults":
			if !seenDefaults {
				f.Defaults, err = parseDefaults(sec)
				seenDefaults = true
			}
		case "zone":
			err = f.addZone(sec)
		case "forwarding":
			f.Forwardings = append(f.Forwardings, &Forwarding{Src: get(sec, "src"), Dest: get(sec, "dest"), Family: family4(sec)})
		case "rule":
			f.Rules = append(f.Rules, parseRule(sec))
		case "redirect":
			f.Redirects = append(f.Redirects, parseRedirect(sec))
		case "nat":
			f.NATs = append(f.NATs, parseNAT(sec))
		}
		if err != nil {
			return nil, err
		}
	}
	return f, f.check()
}

func get(sec *uci.Section, opt string) string { v, _ := sec.Get(opt); return v }

// policy normalises ACCEPT/REJECT/DROP; empty means "use def".
func policy(sec *uci.Section, opt, def string) string {
	v := strings.ToLower(get(sec, opt))
	if v == "" {
		return def
	}
	return v
}

// family4 reads option family as "ipv4", "ipv6" or "" (any).
func family4(sec *uci.Section) string {
	switch strings.ToLower(get(sec, "family")) {
	case "ipv4", "ip4", "4", "inet4":
		return "ipv4"
	case "ipv6", "ip6", "6", "inet6":
		return "ipv6"
	}
	return ""
}

func parseDefaults(sec *uci.Section) (Defaults, error) {
	d := Defaults{
		Input: policy(sec, "input", "drop"), Output: policy(sec, "output", "drop"), Forward: policy(sec, "forward", "drop"),
		SynFlood:    isTrue(sec, "syn_flood", false) || isTrue(sec, "synflood_protect", false),
		SynRate:     "25/second",
		SynBurst:    "50",
		DropInvalid: isTrue(sec, "drop_invalid", false),
	}
	if v := get(sec, "synflood_rate"); v != "" {
		d.SynRate = rate(v)
	}
	if v := get(sec, "synflood_burst"); v != "" {
		d.SynBurst = v
	}
	if v := get(sec, "tcp_reject_code"); v != "" && v != "tcp-reset" && v != "0" {
		return d, fmt.Errorf("firewall: defaults: tcp_reject_code %q is not supported (only tcp-reset)", v)
	}
	d.AnyRejectCode = "port-unreachable"
	if v := get(sec, "any_reject_code"); v != "" {
		codes := map[string]string{"0": "no-route", "1": "port-unreachable", "2": "admin-prohibited", "3": "host-unreachable",
			"no-route": "no-route", "port-unreachable": "port-unreachable", "admin-prohibited": "admin-prohibited", "host-unreachable": "host-unreachable"}
		if d.AnyRejectCode = codes[v]; d.AnyRejectCode == "" {
			return d, fmt.Errorf("firewall: defaults: any_reject_code %q is not supported", v)
		}
	}
	return d, nil
}

// rate turns fw4's "N/sec" shorthand into nft's "N/second".
func rate(v string) string {
	n, unit, ok := strings.Cut(v, "/")
	if !ok {
		return v + "/second"
	}
	switch {
	case strings.HasPrefix(unit, "s"):
		unit = "second"
	case strings.HasPrefix(unit, "m"):
		unit = "minute"
	case strings.HasPrefix(unit, "h"):
		unit = "hour"
	case strings.HasPrefix(unit, "d"):
		unit = "day"
	}
	return n + "/" + unit
}

func (f *Firewall) addZone(sec *uci.Section) error {
	z := &Zone{
		Name: get(sec, "name"), Family: family4(sec),
		Networks: words(sec.List("network")), Devices: words(sec.List("device")),
		Input: policy(sec, "input", f.Defaults.Input), Output: policy(sec, "output", f.Defaults.Output),
		Forward: policy(sec, "forward", f.Defaults.Forward),
		Masq:    isTrue(sec, "masq", false), Masq6: isTrue(sec, "masq6", false),
		MasqSrc: words(sec.List("masq_src")), MasqDest: words(sec.List("masq_dest")),
		MTUFix: isTrue(sec, "mtu_fix", false),
	}
	if !zoneName.MatchString(z.Name) {
		return fmt.Errorf("firewall: zone %s: invalid name %q (§2.1)", sectionName(sec), z.Name)
	}
	f.Zones = append(f.Zones, z)
	return nil
}

func parseRule(sec *uci.Section) *FwRule {
	return &FwRule{
		Name: get(sec, "name"), Src: get(sec, "src"), Dest: get(sec, "dest"), Family: family4(sec),
		Target: strings.ToLower(get(sec, "target")), Proto: protoList(sec, "tcpudp"),
		SrcIP: words(sec.List("src_ip")), DestIP: words(sec.List("dest_ip")),
		SrcPort: words(sec.List("src_port")), DestPort: words(sec.List("dest_port")),
		ICMPTypes: words(sec.List("icmp_type")), Limit: get(sec, "limit"), LimitBurst: get(sec, "limit_burst"),
	}
}

func parseRedirect(sec *uci.Section) *Redirect {
	t := strings.ToLower(get(sec, "target"))
	if t == "" {
		t = "dnat"
	}
	return &Redirect{
		Name: get(sec, "name"), Target: t, Family: family4(sec), Src: get(sec, "src"), Dest: get(sec, "dest"),
		Proto: protoList(sec, "tcpudp"), SrcIP: get(sec, "src_ip"), SrcPort: get(sec, "src_port"),
		SrcDIP: get(sec, "src_dip"), SrcDPort: get(sec, "src_dport"),
		DestIP: get(sec, "dest_ip"), DestPort: get(sec, "dest_port"), Reflection: isTrue(sec, "reflection", true),
	}
}

func parseNAT(sec *uci.Section) *NAT {
	t := strings.ToLower(get(sec, "target"))
	if t == "" {
		t = "masquerade"
	}
	return &NAT{
		Name: get(sec, "name"), Src: get(sec, "src"), Target: t, Family: family4(sec), Proto: protoList(sec, "all"),
		SrcIP: get(sec, "src_ip"), SrcPort: get(sec, "src_port"), DestIP: get(sec, "dest_ip"), DestPort: get(sec, "dest_port"),
		SNATIP: get(sec, "snat_ip"), SNATPort: get(sec, "snat_port"),
	}
}

func protoList(sec *uci.Section, def string) []string {
	ps := words(sec.List("proto"))
	if len(ps) == 0 {
		return []string{def}
	}
	for i := range ps {
		ps[i] = strings.ToLower(ps[i])
	}
	return ps
}

// Zone returns the named zone or nil.
func (f *Firewall) Zone(name string) *Zone {
	for _, z := range f.Zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

// check rejects what the renderer cannot follow, naming the section.
func (f *Firewall) check() error {
	for _, r := range f.Rules {
		if err := f.checkRule(r); err != nil {
			return err
		}
	}
	for _, fw := range f.Forwardings {
		if f.Zone(fw.Src) == nil || f.Zone(fw.Dest) == nil {
			return fmt.Errorf("firewall: forwarding %s -> %s: both must be defined zones ('*' is not supported)", fw.Src, fw.Dest)
		}
	}
	for _, rd := range f.Redirects {
		if err := f.checkRedirect(rd); err != nil {
			return err
		}
	}
	for _, n := range f.NATs {
		if f.Zone(n.Src) == nil {
			return fmt.Errorf("firewall: nat '%s': src must be a defined zone, got %q", n.Name, n.Src)
		}
		if n.Target != "masquerade" && n.Target != "snat" && n.Target != "accept" {
			return fmt.Errorf("firewall: nat '%s': target %q is not supported", n.Name, n.Target)
		}
		if n.Target == "snat" && n.SNATIP == "" && n.SNATPort == "" {
			return fmt.Errorf("firewall: nat '%s': target SNAT needs snat_ip or snat_port (§2.1)", n.Name)
		}
	}
	return nil
}

func (f *Firewall) checkRule(r *FwRule) error {
	switch r.Target {
	case "", "accept", "reject", "drop":
	default:
		return fmt.Errorf("firewall: rule '%s': target %q is not supported by the realizer", r.Name, r.Target)
	}
	for _, z := range []string{r.Src, r.Dest} {
		if z != "" && z != "*" && f.Zone(z) == nil {
			return fmt.Errorf("firewall: rule '%s': unknown zone %q", r.Name, z)
		}
	}
	for _, v := range append(append([]string{}, r.SrcIP...), r.DestIP...) {
		if strings.HasPrefix(v, "!") {
			return fmt.Errorf("firewall: rule '%s': negated address %q is not supported", r.Name, v)
		}
	}
	return nil
}

func (f *Firewall) checkRedirect(rd *Redirect) error {
	switch rd.Target {
	case "dnat":
		if f.Zone(rd.Src) == nil {
			return fmt.Errorf("firewall: redirect '%s': DNAT needs a defined src zone, got %q", rd.Name, rd.Src)
		}
		if rd.Reflection && f.Zone(rd.Src).Masq && rd.DestIP != "" {
			return fmt.Errorf("firewall: redirect '%s': NAT reflection (option reflection, default 1, active because zone %q masquerades) is not supported; set reflection '0'", rd.Name, rd.Src)
		}
	case "snat":
		if f.Zone(rd.Dest) == nil || rd.SrcDIP == "" {
			return fmt.Errorf("firewall: redirect '%s': SNAT needs a defined dest zone and src_dip", rd.Name)
		}
	default:
		return fmt.Errorf("firewall: redirect '%s': target %q is not supported", rd.Name, rd.Target)
	}
	return nil
}
