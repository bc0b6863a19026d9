// Package topology is the fleet front-end: one file describes many
// routers (and non-OpenWrt hosts), `topology check` finds what cannot
// work, `topology apply --node NAME` turns the file into the same
// use cases the single-router commands run (internal/ops: server init,
// site add, peer add, access), and `topology export` writes a wg-quick
// file for a host that is not an OpenWrt router.
//
// The file is JSON: Ansible users keep it as-is in a vars file or a
// template (JSON is YAML), OpenWrt users read it like ubus and rpcd
// output, and it nests the link lists UCI syntax cannot (a UCI list holds
// strings, not pairs). Only public keys appear in it; each node keeps its
// private key (`wgowrt node key`). See README.md, "Fleets".
package topology

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
)

// Link kinds.
const (
	LinkHubAndSpoke = "hub-and-spoke"
	LinkFullMesh    = "full-mesh"
	LinkPair        = "pair"
)

// Node kinds.
const (
	KindOpenWrt = "openwrt"
	KindHost    = "host"
)

// Topology is the whole file.
type Topology struct {
	// Iface is the WireGuard interface on every OpenWrt node (default wg0).
	Iface string `json:"iface,omitempty"`
	// Tunnel is the subnet every node's tunnel address is in.
	Tunnel string `json:"tunnel"`
	// Port is the default listen port (51820).
	Port  int    `json:"port,omitempty"`
	Nodes []Node `json:"nodes"`
	Links []Link `json:"links"`
}

// Node is one router or host.
type Node struct {
	Name string `json:"name"`
	// Kind is openwrt (default) or host (gets a wg-quick file).
	Kind string `json:"kind,omitempty"`
	// Role is free text for people and playbooks (hub, branch, gateway).
	Role string `json:"role,omitempty"`
	// Address is the node's tunnel address, in Tunnel.
	Address string `json:"address"`
	// Endpoint is HOST:PORT where others reach the node ("" behind NAT).
	Endpoint  string `json:"endpoint,omitempty"`
	Port      int    `json:"port,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
	// LAN are the subnets behind the node.
	LAN []string `json:"lan,omitempty"`
	// Blocks are 44Net-style public blocks the node is gateway for; they
	// are routed like LANs (no NAT).
	Blocks []string `json:"blocks,omitempty"`
}

// Link is a set of tunnels.
type Link struct {
	// Type is hub-and-spoke, full-mesh or pair.
	Type string `json:"type"`
	// Hub and Spokes (hub-and-spoke).
	Hub    string   `json:"hub,omitempty"`
	Spokes []string `json:"spokes,omitempty"`
	// Nodes (full-mesh), or the two ends (pair).
	Nodes []string `json:"nodes,omitempty"`
	// P2S is the point-to-site strategy (masquerade, routed) for links
	// where one end is a point: a node without subnets, which the other
	// end adds as a peer rather than a site.
	P2S string `json:"p2s,omitempty"`
}

// Load reads and parses a topology file.
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse parses a topology; unknown fields are errors (a typo would
// otherwise silently drop a setting).
func Parse(data []byte) (*Topology, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Topology
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("topology file: %v", err)
	}
	if t.Iface == "" {
		t.Iface = "wg0"
	}
	if t.Port == 0 {
		t.Port = 51820
	}
	for i := range t.Nodes {
		if t.Nodes[i].Kind == "" {
			t.Nodes[i].Kind = KindOpenWrt
		}
		if t.Nodes[i].Port == 0 {
			t.Nodes[i].Port = t.Port
		}
	}
	return &t, nil
}

// Node returns the node called name.
func (t *Topology) Node(name string) (*Node, bool) {
	for i := range t.Nodes {
		if t.Nodes[i].Name == name {
			return &t.Nodes[i], true
		}
	}
	return nil, false
}

// Subnets are what the node routes: its LAN and its blocks.
func (n *Node) Subnets() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range append(append([]string{}, n.LAN...), n.Blocks...) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// Point says the node has no subnets: other ends add it as a peer.
func (n *Node) Point() bool { return len(n.LAN)+len(n.Blocks) == 0 }
