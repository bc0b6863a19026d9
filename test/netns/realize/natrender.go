package realize

import (
	"fmt"
	"strings"
)

// renderNAT fills dstnat/srcnat: DNAT redirects in dstnat_<src>, SNAT
// redirects and nat sections in srcnat_<zone>, then zone masquerading.
func renderNAT(rs *ruleset, f *Firewall) error {
	for _, rd := range f.Redirects {
		if err := renderRedirect(rs, rd); err != nil {
			return fmt.Errorf("firewall: redirect '%s': %w", rd.Name, err)
		}
	}
	for _, n := range f.NATs {
		if err := renderNATSection(rs, n); err != nil {
			return fmt.Errorf("firewall: nat '%s': %w", n.Name, err)
		}
	}
	for _, z := range f.Zones {
		renderMasq(rs, z)
	}
	for _, z := range f.Zones {
		for _, dev := range z.Devices {
			if len(rs.chains["dstnat_"+z.Name]) > 0 {
				rs.add("dstnat", fmt.Sprintf(`iifname "%s" jump dstnat_%s`, dev, z.Name))
			}
			if len(rs.chains["srcnat_"+z.Name]) > 0 {
				rs.add("srcnat", fmt.Sprintf(`oifname "%s" jump srcnat_%s`, dev, z.Name))
			}
		}
	}
	return nil
}

func renderRedirect(rs *ruleset, rd *Redirect) error {
	if rd.Target == "snat" {
		m := matchSpec{family: rd.Family, protos: rd.Proto, srcIP: opt(rd.SrcIP), destIP: opt(rd.DestIP), srcPort: opt(rd.SrcPort), dPort: opt(rd.DestPort)}
		return addNAT(rs, "srcnat_"+rd.Dest, m, "snat", rd.SrcDIP, rd.SrcDPort)
	}
	m := matchSpec{family: rd.Family, protos: rd.Proto, srcIP: opt(rd.SrcIP), destIP: opt(rd.SrcDIP), srcPort: opt(rd.SrcPort), dPort: opt(rd.SrcDPort)}
	if rd.DestIP == "" {
		return addNAT(rs, "dstnat_"+rd.Src, m, "redirect", "", rd.DestPort)
	}
	return addNAT(rs, "dstnat_"+rd.Src, m, "dnat", rd.DestIP, rd.DestPort)
}

func renderNATSection(rs *ruleset, n *NAT) error {
	m := matchSpec{family: n.Family, protos: n.Proto, srcIP: opt(n.SrcIP), destIP: opt(n.DestIP), srcPort: opt(n.SrcPort), dPort: opt(n.DestPort)}
	switch n.Target {
	case "snat":
		return addNAT(rs, "srcnat_"+n.Src, m, "snat", n.SNATIP, n.SNATPort)
	case "accept":
		return addNAT(rs, "srcnat_"+n.Src, m, "accept", "", "")
	}
	return addNAT(rs, "srcnat_"+n.Src, m, "masquerade", "", "")
}

// addNAT renders one NAT statement per match line. Address families of the
// translation target restrict the match, since "dnat ip to" only applies to
// IPv4 packets in an inet table.
func addNAT(rs *ruleset, chain string, m matchSpec, stmt, addr, port string) error {
	if addr != "" && m.family == "" {
		m.family = addrFamilies([]string{addr})[0]
	}
	lines, err := m.lines()
	if err != nil {
		return err
	}
	for _, l := range lines {
		rs.add(chain, strings.TrimSpace(l+" counter "+natStatement(stmt, m.family, addr, port)))
	}
	return nil
}

func natStatement(stmt, fam, addr, port string) string {
	switch stmt {
	case "masquerade", "accept":
		return stmt
	case "redirect":
		return "redirect to :" + port
	}
	ipkw := "ip"
	if fam == "ipv6" {
		ipkw = "ip6"
		addr = "[" + addr + "]"
	}
	to := addr
	if port != "" {
		to += ":" + port
	}
	return stmt + " " + ipkw + " to " + to
}

// renderMasq renders zone masquerading, restricted by masq_src × masq_dest.
func renderMasq(rs *ruleset, z *Zone) {
	for _, fam := range []struct {
		on    bool
		name  string
		proto string
	}{{z.Masq, "ipv4", "ip"}, {z.Masq6, "ipv6", "ip6"}} {
		if !fam.on {
			continue
		}
		srcs, dests := orAny(filterFamily(z.MasqSrc, fam.name)), orAny(filterFamily(z.MasqDest, fam.name))
		for _, s := range srcs {
			for _, d := range dests {
				l := "meta nfproto " + fam.name
				if s != "" {
					l += " " + fam.proto + " saddr " + s
				}
				if d != "" {
					l += " " + fam.proto + " daddr " + d
				}
				rs.add("srcnat_"+z.Name, l+" masquerade")
			}
		}
	}
}

func filterFamily(addrs []string, fam string) []string {
	var out []string
	for _, a := range addrs {
		if fs := addrFamilies([]string{a}); len(fs) == 1 && fs[0] == fam {
			out = append(out, a)
		}
	}
	return out
}

func orAny(s []string) []string {
	if len(s) == 0 {
		return []string{""}
	}
	return s
}

func opt(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Fields(v)
}
