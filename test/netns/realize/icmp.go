package realize

import (
	"fmt"
	"strconv"
	"strings"
)

// icmpType is an ICMP type with an optional code (code < 0 = any code).
type icmpType struct{ typ, code int }

// fw4's ICMP names (the ones firewall4 inherited from fw3). Entries with a
// code render as "type . code" pairs, the others as plain types, which is
// what conformance/fw4/stock.txtar shows for Allow-ICMPv6-Input.
var (
	icmp4Names = map[string]icmpType{
		"echo-reply": {0, -1}, "destination-unreachable": {3, -1}, "network-unreachable": {3, 0},
		"host-unreachable": {3, 1}, "protocol-unreachable": {3, 2}, "port-unreachable": {3, 3},
		"fragmentation-needed": {3, 4}, "source-quench": {4, -1}, "redirect": {5, -1},
		"echo-request": {8, -1}, "router-advertisement": {9, -1}, "router-solicitation": {10, -1},
		"time-exceeded": {11, -1}, "parameter-problem": {12, -1},
		"timestamp-request": {13, -1}, "timestamp-reply": {14, -1},
	}
	icmp6Names = map[string]icmpType{
		"destination-unreachable": {1, -1}, "no-route": {1, 0}, "communication-prohibited": {1, 1},
		"address-unreachable": {1, 3}, "port-unreachable": {1, 4}, "packet-too-big": {2, 0},
		"time-exceeded": {3, -1}, "ttl-zero-during-transit": {3, 0}, "ttl-zero-during-reassembly": {3, 1},
		"parameter-problem": {4, -1}, "bad-header": {4, 0}, "unknown-header-type": {4, 1}, "unknown-option": {4, 2},
		"echo-request": {128, -1}, "echo-reply": {129, -1},
		"router-solicitation": {133, -1}, "router-advertisement": {134, -1},
		"neighbour-solicitation": {135, 0}, "neighbour-advertisement": {136, 0}, "redirect": {137, 0},
	}
)

// icmpTypes resolves fw4 icmp_type values for one family. ok is false when
// none of the names exists in that family (fw4 then skips the family).
func icmpTypes(names []string, v6 bool) (types []int, pairs []icmpType, ok bool, err error) {
	table := icmp4Names
	if v6 {
		table = icmp6Names
	}
	for _, n := range names {
		t, found := table[n]
		if !found {
			if t, err = numericICMP(n); err != nil {
				if _, other := map[bool]map[string]icmpType{false: icmp6Names, true: icmp4Names}[v6][n]; other {
					continue
				}
				return nil, nil, false, fmt.Errorf("icmp_type %q is not known to the realizer", n)
			}
		}
		ok = true
		if t.code < 0 {
			types = append(types, t.typ)
		} else {
			pairs = append(pairs, t)
		}
	}
	return types, pairs, ok, nil
}

// numericICMP parses "type" or "type/code".
func numericICMP(s string) (icmpType, error) {
	ts, cs, hasCode := strings.Cut(s, "/")
	t, err := strconv.Atoi(ts)
	if err != nil {
		return icmpType{}, err
	}
	c := -1
	if hasCode {
		if c, err = strconv.Atoi(cs); err != nil {
			return icmpType{}, err
		}
	}
	return icmpType{t, c}, nil
}
