package oracletest

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// network is what the checks expect of netifd for one tree's network
// config, read with the real `uci show network`.
type network struct {
	interfaces   []string // enabled interface sections
	expectUp     []string // interfaces netifd must bring up
	plainDevices []string // devices a router would have (its ports)
	// interfaces this host cannot run, with the reason: they are not judged
	unjudged map[string]string
}

// readNetwork reads the tree's network config. WireGuard interfaces are
// expected up unless disabled or one of their enabled peers has an
// endpoint netifd cannot reach here: a name (no resolver in the
// namespace) or an IPv6 address (the stock wan has no IPv6 uplink); with
// such an endpoint netifd keeps the interface down, on a router too.
func (o *Oracle) readNetwork(confDir string, present bool) (*network, error) {
	n := &network{unjudged: map[string]string{}}
	if !present {
		return n, nil
	}
	tmp, err := os.MkdirTemp("", "oracletest-net-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	show, _, _, err := o.UCI("-c", confDir, "-C", filepath.Join(tmp, "o"), "-t", filepath.Join(tmp, "s"), "show", "network")
	if err != nil {
		return nil, err
	}
	secs, order := parseShow(show)
	created := createdDevices(secs, order)
	plain := map[string]bool{}
	addPlain := func(d string) {
		d, _, _ = strings.Cut(d, ":") // bridge-vlan port flags
		if base, _, ok := strings.Cut(d, "."); ok {
			d = base // a VLAN: netifd makes it on its base device
		}
		if d != "" && d != "lo" && !strings.HasPrefix(d, "@") && !strings.HasPrefix(d, "br-") && !created[d] {
			plain[d] = true
		}
	}
	for _, name := range order {
		s := secs[name]
		switch {
		case s.typ == "device":
			if get(s, "type") == "" {
				addPlain(get(s, "name"))
			}
			for _, p := range append(s.opts["ports"], s.opts["ifname"]...) {
				addPlain(p)
			}
		case s.typ == "interface":
			if get(s, "disabled") == "1" {
				continue
			}
			n.interfaces = append(n.interfaces, name)
			dev := get(s, "device")
			addPlain(dev)
			for _, d := range s.opts["ifname"] {
				addPlain(d)
			}
			if base, _, vlan := strings.Cut(dev, "."); vlan && o.noVLAN && !created[dev] && base != "" {
				n.unjudged[name] = fmt.Sprintf("device %s is a VLAN and this kernel has no 802.1q", dev)
				continue
			}
			switch proto := get(s, "proto"); {
			case get(s, "auto") == "0":
			case proto == "wireguard" && get(s, "private_key") == "":
				// wgowrt always writes a key: this is a fixture's; the 25.12
				// handler makes a key, the 24.10 one fails (wg setconf)
				n.unjudged[name] = "a WireGuard interface without private_key, not written by wgowrt"
			case proto != "wireguard" && !strings.HasPrefix(name, "wgowrt_"):
				n.unjudged[name] = "not written by wgowrt"
			case proto == "static" && dev != "":
				n.expectUp = append(n.expectUp, name)
			case proto == "wireguard" && reachablePeers(name, order, func(p string) (string, map[string][]string) {
				return secs[p].typ, secs[p].opts
			}):
				n.expectUp = append(n.expectUp, name)
			}
		}
	}
	for d := range plain {
		n.plainDevices = append(n.plainDevices, d)
	}
	sort.Strings(n.plainDevices)
	return n, nil
}

func reachablePeers(iface string, order []string, sec func(string) (string, map[string][]string)) bool {
	for _, p := range order {
		typ, opts := sec(p)
		if typ != "wireguard_"+iface || len(opts["disabled"]) > 0 && opts["disabled"][0] == "1" {
			continue
		}
		if h := opts["endpoint_host"]; len(h) > 0 {
			a, err := netip.ParseAddr(h[0])
			if err != nil || !a.Is4() {
				return false
			}
		}
	}
	return true
}

// unquote splits uci show's value: 'a' 'b' -> [a b], with '\” inside.
func unquote(v string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`'((?:[^']|'\\'')*)'`).FindAllStringSubmatch(v, -1) {
		out = append(out, strings.ReplaceAll(m[1], `'\''`, "'"))
	}
	return out
}

// judge compares netifd's interface dump with the expectations: every
// enabled interface known, none with errors, the expected ones up; and
// the log has no error of netifd or a proto handler.
func (n *network) judge(dump, log string) []string {
	var d struct {
		Interface []struct {
			Interface string            `json:"interface"`
			Up        bool              `json:"up"`
			Errors    []json.RawMessage `json:"errors"`
		} `json:"interface"`
	}
	if err := json.Unmarshal([]byte(dump), &d); err != nil {
		return []string{fmt.Sprintf("real netifd: no interface dump (%v): %.200s", err, dump)}
	}
	var out []string
	seen := map[string]bool{}
	for _, i := range d.Interface {
		seen[i.Interface] = i.Up
		if _, skip := n.unjudged[i.Interface]; !skip && len(i.Errors) > 0 {
			b, _ := json.Marshal(i.Errors)
			out = append(out, fmt.Sprintf("real netifd: interface %s has errors: %s", i.Interface, b))
		}
	}
	for _, i := range n.interfaces {
		if _, ok := seen[i]; !ok {
			out = append(out, fmt.Sprintf("real netifd: interface %s is missing from network.interface dump", i))
		}
	}
	for _, i := range n.expectUp {
		if !seen[i] {
			out = append(out, fmt.Sprintf("real netifd: interface %s did not come up within 5 s", i))
		}
	}
	for _, l := range strings.Split(log, "\n") {
		if name, _, ok := strings.Cut(l, " ("); ok && n.unjudged[name] != "" {
			continue // its proto handler's complaints
		}
		if netifdTrouble.MatchString(l) && !netifdNoise.MatchString(l) {
			out = append(out, "real netifd logged: "+l)
		}
	}
	return out
}

var (
	netifdTrouble = regexp.MustCompile(`(?i)error|invalid|fail|not found|unknown|cannot|unable|usage`)
	// expected here: bash's complaint about netifd-proto.sh (oracle
	// README); hotplug's 20-firewall finding fw4 not started, asking for
	// the status of an interface the last reload removed, or timing out on
	// a busy machine; endpoint names that cannot resolve
	netifdNoise = regexp.MustCompile(`shift count out of range|\(Request timed out\)|Unable to read firewall state|Command failed: Not found|Failed to parse json data: unexpected end of data|Temporary failure in name resolution|Name or service not known`)
)

// netifdLog is the part of netifd's log written since offset.
func netifdLog(name string, offset int64) string {
	b, err := os.ReadFile(name)
	if err != nil || int64(len(b)) < offset {
		return ""
	}
	return string(b[offset:])
}

// showSection is one section of `uci show` output.
type showSection struct {
	typ  string
	opts map[string][]string
}

// parseShow reads `uci show` output into sections, in file order.
func parseShow(show string) (map[string]*showSection, []string) {
	secs := map[string]*showSection{}
	var order []string
	for _, l := range strings.Split(show, "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		parts := strings.SplitN(k, ".", 3)
		switch len(parts) {
		case 2:
			secs[parts[1]] = &showSection{typ: v, opts: map[string][]string{}}
			order = append(order, parts[1])
		case 3:
			if s := secs[parts[1]]; s != nil {
				s.opts[parts[2]] = unquote(v)
			}
		}
	}
	return secs, order
}

// get is an option's first value ("" when unset).
func get(s *showSection, o string) string {
	if v := s.opts[o]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// createdDevices are the devices netifd creates itself: typed device
// sections and WireGuard interfaces.
func createdDevices(secs map[string]*showSection, order []string) map[string]bool {
	created := map[string]bool{}
	for _, name := range order {
		s := secs[name]
		if s.typ == "device" && get(s, "type") != "" {
			created[get(s, "name")] = true
		}
		if s.typ == "interface" && get(s, "proto") == "wireguard" {
			created[name] = true
		}
	}
	return created
}
