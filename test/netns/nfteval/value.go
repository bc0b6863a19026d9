package nfteval

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
)

// Packet is a synthetic packet with its conntrack state, as seen at a hook.
type Packet struct {
	Family   string // ipv4 or ipv6
	L4       string // tcp, udp, icmp, ipv6-icmp, esp, igmp, ...
	IIF, OIF string
	Src, Dst string
	SPort    int
	DPort    int
	ICMPType string // nft name, e.g. echo-request
	ICMPCode string // nft name, e.g. no-route
	Flags    []string
	CtState  string   // new, established, related, invalid
	CtStatus []string // e.g. dnat
}

func (p Packet) String() string {
	return fmt.Sprintf("%s %s %s->%s iif=%q oif=%q sport=%d dport=%d icmp=%s/%s flags=%v ct=%s/%v",
		p.Family, p.L4, p.Src, p.Dst, p.IIF, p.OIF, p.SPort, p.DPort, p.ICMPType, p.ICMPCode, p.Flags, p.CtState, p.CtStatus)
}

// value extracts the packet field(s) an expression refers to. ok is false
// when the packet does not have the protocol the expression depends on.
func (e *evaluator) value(raw json.RawMessage) ([]string, bool, error) {
	var ex map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ex); err != nil {
		return nil, false, fmt.Errorf("expression %s: %v", raw, err)
	}
	for k, v := range ex {
		switch k {
		case "meta":
			return e.meta(v)
		case "payload":
			return e.payload(v)
		case "ct":
			return e.ct(v)
		case "&":
			return e.and(v)
		case "concat":
			return e.concat(v)
		}
		return nil, false, fmt.Errorf("unsupported expression %q", k)
	}
	return nil, false, fmt.Errorf("empty expression")
}

func (e *evaluator) meta(raw json.RawMessage) ([]string, bool, error) {
	var m struct{ Key string }
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false, err
	}
	switch m.Key {
	case "iifname", "iif":
		return []string{e.p.IIF}, e.p.IIF != "", nil
	case "oifname", "oif":
		return []string{e.p.OIF}, e.p.OIF != "", nil
	case "nfproto":
		return []string{e.p.Family}, true, nil
	case "l4proto":
		return []string{e.p.L4}, true, nil
	}
	return nil, false, fmt.Errorf("unsupported meta key %q", m.Key)
}

func (e *evaluator) payload(raw json.RawMessage) ([]string, bool, error) {
	var pl struct{ Protocol, Field string }
	if err := json.Unmarshal(raw, &pl); err != nil {
		return nil, false, err
	}
	p := e.p
	switch pl.Protocol {
	case "ip", "ip6":
		if (pl.Protocol == "ip") != (p.Family == "ipv4") {
			return nil, false, nil
		}
		return addrField(p, pl.Field)
	case "tcp", "udp", "th":
		if (pl.Protocol == "th" && p.L4 != "tcp" && p.L4 != "udp") || (pl.Protocol != "th" && p.L4 != pl.Protocol) {
			return nil, false, nil
		}
		switch pl.Field {
		case "dport":
			return []string{strconv.Itoa(p.DPort)}, true, nil
		case "sport":
			return []string{strconv.Itoa(p.SPort)}, true, nil
		case "flags":
			return p.Flags, true, nil
		}
	case "icmp", "icmpv6":
		if (pl.Protocol == "icmp" && p.L4 != "icmp") || (pl.Protocol == "icmpv6" && p.L4 != "ipv6-icmp") {
			return nil, false, nil
		}
		switch pl.Field {
		case "type":
			return []string{p.ICMPType}, true, nil
		case "code":
			return []string{p.ICMPCode}, true, nil
		}
	}
	return nil, false, fmt.Errorf("unsupported payload %s %s", pl.Protocol, pl.Field)
}

func addrField(p Packet, field string) ([]string, bool, error) {
	switch field {
	case "saddr":
		return []string{p.Src}, true, nil
	case "daddr":
		return []string{p.Dst}, true, nil
	}
	return nil, false, fmt.Errorf("unsupported address field %q", field)
}

func (e *evaluator) ct(raw json.RawMessage) ([]string, bool, error) {
	var c struct{ Key string }
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, false, err
	}
	switch c.Key {
	case "state":
		return []string{e.p.CtState}, true, nil
	case "status":
		return e.p.CtStatus, true, nil
	}
	return nil, false, fmt.Errorf("unsupported ct key %q", c.Key)
}

// and evaluates "field & mask" for flag fields (tcp flags).
func (e *evaluator) and(raw json.RawMessage) ([]string, bool, error) {
	var ops []json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil || len(ops) != 2 {
		return nil, false, fmt.Errorf("unsupported & expression %s", raw)
	}
	vals, ok, err := e.value(ops[0])
	if err != nil || !ok {
		return nil, ok, err
	}
	var mask []string
	if err := json.Unmarshal(ops[1], &mask); err != nil {
		var one string
		if err := json.Unmarshal(ops[1], &one); err != nil {
			return nil, false, fmt.Errorf("unsupported mask %s", ops[1])
		}
		mask = []string{one}
	}
	in := map[string]bool{}
	for _, m := range mask {
		in[m] = true
	}
	var out []string
	for _, v := range vals {
		if in[v] {
			out = append(out, v)
		}
	}
	return out, true, nil
}

func (e *evaluator) concat(raw json.RawMessage) ([]string, bool, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, false, err
	}
	var out []string
	for _, part := range parts {
		v, ok, err := e.value(part)
		if err != nil || !ok {
			return nil, ok, err
		}
		if len(v) != 1 {
			return nil, false, fmt.Errorf("concat part %s is not a single value", part)
		}
		out = append(out, v[0])
	}
	return out, true, nil
}

func equalScalar(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	return err1 == nil && err2 == nil && x == y
}

func inPrefix(v, addr, bits string) bool {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(bits)
	if err != nil {
		return false
	}
	p, err := netip.ParsePrefix(addr + "/" + strconv.Itoa(n))
	return err == nil && p.Contains(a)
}

func inRange(v, lo, hi string) bool {
	if x, err := strconv.Atoi(v); err == nil {
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		return err1 == nil && err2 == nil && l <= x && x <= h
	}
	a, err := netip.ParseAddr(v)
	l, err1 := netip.ParseAddr(lo)
	h, err2 := netip.ParseAddr(hi)
	return err == nil && err1 == nil && err2 == nil && l.Compare(a) <= 0 && a.Compare(h) <= 0
}
