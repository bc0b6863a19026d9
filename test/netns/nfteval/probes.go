package nfteval

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
)

// Dimensions are the values rulesets test packets against; probes built
// from the union of two rulesets' dimensions exercise every match of both.
type Dimensions struct {
	Devices  map[string]bool
	Ports    map[int]bool
	Addrs    map[string]bool // "ipv4|addr" / "ipv6|addr"
	L4       map[string]bool
	ICMP     map[string]map[string]bool // l4 -> type names
	ICMPCode map[string]map[string]bool // l4 -> code names
}

// NewDimensions starts with values every probe set needs.
func NewDimensions() *Dimensions {
	d := &Dimensions{
		Devices: map[string]bool{"lo": true, "other0": true},
		Ports:   map[int]bool{9: true, 40000: true},
		Addrs:   map[string]bool{"ipv4|198.18.0.1": true, "ipv6|2001:db8:ffff::1": true},
		L4:      map[string]bool{"tcp": true, "udp": true, "icmp": true, "ipv6-icmp": true, "esp": true},
		ICMP: map[string]map[string]bool{"icmp": {"echo-request": true},
			"ipv6-icmp": {"echo-request": true}},
		ICMPCode: map[string]map[string]bool{"icmp": {"net-unreachable": true}, "ipv6-icmp": {"no-route": true}},
	}
	return d
}

// Collect adds the values rs compares packets with.
func (d *Dimensions) Collect(rs *Ruleset) {
	for _, c := range rs.chains {
		for _, rule := range c.rules {
			for _, ex := range rule {
				if raw, ok := ex["match"]; ok {
					d.collectMatch(raw)
				}
			}
		}
	}
}

func (d *Dimensions) collectMatch(raw json.RawMessage) {
	var m struct {
		Left  map[string]json.RawMessage
		Right any
	}
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	keys := leftKeys(m.Left)
	for i, k := range keys {
		for _, v := range rightScalars(m.Right, i, len(keys)) {
			d.add(k, v)
		}
	}
}

// leftKeys names the packet fields of a left-hand side ("meta:iifname",
// "payload:tcp:dport", ...), one per concatenated component.
func leftKeys(left map[string]json.RawMessage) []string {
	if raw, ok := left["concat"]; ok {
		var parts []map[string]json.RawMessage
		_ = json.Unmarshal(raw, &parts)
		var out []string
		for _, p := range parts {
			out = append(out, leftKeys(p)...)
		}
		return out
	}
	if raw, ok := left["meta"]; ok {
		var m struct{ Key string }
		_ = json.Unmarshal(raw, &m)
		return []string{"meta:" + m.Key}
	}
	if raw, ok := left["payload"]; ok {
		var p struct{ Protocol, Field string }
		_ = json.Unmarshal(raw, &p)
		return []string{"payload:" + p.Protocol + ":" + p.Field}
	}
	return []string{""}
}

// rightScalars lists the values of component i of n on a right-hand side.
func rightScalars(r any, i, n int) []string {
	switch rv := r.(type) {
	case map[string]any:
		if s, ok := rv["set"]; ok {
			var out []string
			for _, it := range s.([]any) {
				out = append(out, rightScalars(it, i, n)...)
			}
			return out
		}
		if c, ok := rv["concat"]; ok {
			items := c.([]any)
			if i < len(items) {
				return rightScalars(items[i], 0, 1)
			}
			return nil
		}
		if p, ok := rv["prefix"]; ok {
			pm := p.(map[string]any)
			return prefixSamples(scalar(pm["addr"]), scalar(pm["len"]))
		}
		if rg, ok := rv["range"]; ok {
			b := rg.([]any)
			return []string{scalar(b[0]), scalar(b[1])}
		}
		return nil
	case []any:
		return nil
	}
	return []string{scalar(r)}
}

// prefixSamples returns an address inside the prefix and its network address.
func prefixSamples(addr, bits string) []string {
	n, err := strconv.Atoi(bits)
	if err != nil {
		return nil
	}
	p, err := netip.ParsePrefix(addr + "/" + strconv.Itoa(n))
	if err != nil {
		return nil
	}
	return []string{p.Masked().Addr().Next().String()}
}

func (d *Dimensions) add(key, v string) {
	switch key {
	case "meta:iifname", "meta:oifname", "meta:iif", "meta:oif":
		d.Devices[v] = true
	case "payload:tcp:dport", "payload:tcp:sport", "payload:udp:dport", "payload:udp:sport", "payload:th:dport":
		if p, err := strconv.Atoi(v); err == nil {
			d.Ports[p], d.Ports[p+1] = true, true
		}
	case "payload:ip:saddr", "payload:ip:daddr":
		d.Addrs["ipv4|"+v] = true
	case "payload:ip6:saddr", "payload:ip6:daddr":
		d.Addrs["ipv6|"+v] = true
	case "meta:l4proto":
		d.L4[v] = true
	case "payload:icmp:type":
		d.ICMP["icmp"][v] = true
	case "payload:icmpv6:type":
		d.ICMP["ipv6-icmp"][v] = true
	case "payload:icmp:code":
		d.ICMPCode["icmp"][v] = true
	case "payload:icmpv6:code":
		d.ICMPCode["ipv6-icmp"][v] = true
	}
}

func sorted[K comparable](m map[K]bool, less func(a, b K) bool) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

func strLess(a, b string) bool { return a < b }
