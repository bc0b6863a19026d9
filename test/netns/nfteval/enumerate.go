package nfteval

import (
	"fmt"
	"strings"
)

// Probe is one packet at one hook.
type Probe struct {
	Type, Hook string // "filter"/"nat", netfilter hook name
	Packet     Packet
}

func (p Probe) String() string { return p.Type + "/" + p.Hook + ": " + p.Packet.String() }

// Probes enumerates packets over the dimensions: every interface (pair) at
// every hook, each family, protocol, port, ICMP type and code, then address
// and conntrack variations of a base packet.
func (d *Dimensions) Probes() []Probe {
	devs := sorted(d.Devices, strLess)
	var out []Probe
	for _, dev := range devs {
		out = append(out, d.packets("filter", "input", dev, "")...)
		out = append(out, d.packets("filter", "output", "", dev)...)
		out = append(out, d.packets("filter", "prerouting", dev, "")...)
		out = append(out, d.packets("filter", "postrouting", "", dev)...)
		out = append(out, d.packets("nat", "prerouting", dev, "")...)
		out = append(out, d.packets("nat", "postrouting", "", dev)...)
		for _, oif := range devs {
			out = append(out, d.packets("filter", "forward", dev, oif)...)
		}
	}
	return out
}

func (d *Dimensions) packets(typ, hook, iif, oif string) []Probe {
	var out []Probe
	add := func(p Packet) { out = append(out, Probe{typ, hook, p}) }
	for _, fam := range []string{"ipv4", "ipv6"} {
		base := Packet{Family: fam, IIF: iif, OIF: oif, Src: d.outside(fam), Dst: d.outside(fam), SPort: 40000, CtState: "new"}
		for _, pkt := range d.l4Variants(base) {
			add(pkt)
		}
		for _, a := range d.addrs(fam) {
			for _, l4 := range []string{"tcp", "udp", "", icmpFor(fam)} {
				p := base
				p.L4, p.DPort = l4, 9
				if l4 == "tcp" {
					p.Flags = []string{"syn"}
				}
				s, t := p, p
				s.Src, t.Dst = a, a
				add(s)
				add(t)
			}
		}
		for _, ct := range []string{"established", "related", "invalid"} {
			p := base
			p.L4, p.DPort, p.Flags, p.CtState = "tcp", 9, []string{"ack"}, ct
			add(p)
		}
		p := base
		p.L4, p.DPort, p.Flags, p.CtStatus = "tcp", 80, []string{"syn"}, []string{"dnat"}
		add(p)
	}
	return out
}

func icmpFor(fam string) string {
	if fam == "ipv6" {
		return "ipv6-icmp"
	}
	return "icmp"
}

func (d *Dimensions) outside(fam string) string {
	if fam == "ipv6" {
		return "2001:db8:ffff::1"
	}
	return "198.18.0.1"
}

func (d *Dimensions) addrs(fam string) []string {
	var out []string
	for _, k := range sorted(d.Addrs, strLess) {
		if f, a, _ := strings.Cut(k, "|"); f == fam {
			out = append(out, a)
		}
	}
	return out
}

// l4Variants expands a base packet over protocols, ports and ICMP types.
func (d *Dimensions) l4Variants(base Packet) []Packet {
	var out []Packet
	ports := sorted(d.Ports, func(a, b int) bool { return a < b })
	for _, l4 := range sorted(d.L4, strLess) {
		switch l4 {
		case "tcp", "udp":
			for _, port := range ports {
				p := base
				p.L4, p.DPort = l4, port
				if l4 == "tcp" {
					p.Flags = []string{"syn"}
				}
				out = append(out, p)
				p.SPort, p.DPort = port, 9
				out = append(out, p)
			}
		case "icmp", "ipv6-icmp":
			if l4 != icmpFor(base.Family) {
				continue
			}
			for _, typ := range sorted(d.ICMP[l4], strLess) {
				for _, code := range sorted(d.ICMPCode[l4], strLess) {
					p := base
					p.L4, p.ICMPType, p.ICMPCode = l4, typ, code
					out = append(out, p)
				}
			}
		default:
			p := base
			p.L4 = l4
			out = append(out, p)
		}
	}
	return out
}

// Mismatch is a probe two rulesets disagree on.
type Mismatch struct {
	Probe     Probe
	Want, Got string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%v\n\twant %s\n\tgot  %s", m.Probe, m.Want, m.Got)
}

// Compare evaluates every probe on want and got and returns the probes whose
// outcomes differ, with the number of probes run.
func Compare(want, got *Ruleset, probes []Probe) ([]Mismatch, error) {
	var out []Mismatch
	for _, p := range probes {
		w, err := want.Eval(p.Type, p.Hook, p.Packet)
		if err != nil {
			return nil, fmt.Errorf("want: %v: %w", p, err)
		}
		g, err := got.Eval(p.Type, p.Hook, p.Packet)
		if err != nil {
			return nil, fmt.Errorf("got: %v: %w", p, err)
		}
		if w != g {
			out = append(out, Mismatch{p, w, g})
		}
	}
	return out, nil
}
