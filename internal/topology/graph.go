package topology

import (
	"net/netip"
	"sort"
)

// Edge is a tunnel between two nodes, with the point-to-site strategy of
// the link that made it.
type Edge struct {
	A, B string
	P2S  string
}

// Edges lists the tunnels the links make, each pair once (A < B).
func (t *Topology) Edges() []Edge {
	e, _ := t.edges()
	return e
}

// edges also names the pairs declared with two different p2s strategies.
func (t *Topology) edges() ([]Edge, []string) {
	var conflicts []string
	seen := map[[2]string]int{}
	var out []Edge
	add := func(a, b, p2s string) {
		if a == b {
			return
		}
		if b < a {
			a, b = b, a
		}
		if i, ok := seen[[2]string{a, b}]; ok {
			if out[i].P2S != "" && p2s != "" && out[i].P2S != p2s {
				conflicts = append(conflicts, a+"-"+b)
			}
			if out[i].P2S == "" {
				out[i].P2S = p2s
			}
			return
		}
		seen[[2]string{a, b}] = len(out)
		out = append(out, Edge{A: a, B: b, P2S: p2s})
	}
	for _, l := range t.Links {
		switch l.Type {
		case LinkHubAndSpoke:
			for _, s := range l.Spokes {
				add(l.Hub, s, l.P2S)
			}
		case LinkPair:
			if len(l.Nodes) == 2 {
				add(l.Nodes[0], l.Nodes[1], l.P2S)
			}
		case LinkFullMesh:
			for i, a := range l.Nodes {
				for _, b := range l.Nodes[i+1:] {
					add(a, b, l.P2S)
				}
			}
		}
	}
	return out, conflicts
}

// neighbours maps each node to the nodes it has a tunnel with.
func (t *Topology) neighbours() map[string][]Edge {
	out := map[string][]Edge{}
	for _, e := range t.Edges() {
		out[e.A] = append(out[e.A], e)
		out[e.B] = append(out[e.B], e)
	}
	return out
}

// other is the end of e that is not name.
func (e Edge) other(name string) string {
	if e.A == name {
		return e.B
	}
	return e.A
}

// Route is what a node sends through one neighbour: the subnets of the
// nodes whose shortest path starts with that neighbour.
type Route struct {
	Via     string
	P2S     string
	Subnets []netip.Prefix
	// Nodes are the nodes behind Via (Via included) in BFS order.
	Nodes []string
}

// Routes returns, for node, one Route per neighbour in name order.
func (t *Topology) Routes(node string) []Route {
	nb := t.neighbours()
	first := map[string]string{node: ""}
	order := []string{node}
	for i := 0; i < len(order); i++ {
		cur := order[i]
		es := nb[cur]
		sort.Slice(es, func(a, b int) bool { return es[a].other(cur) < es[b].other(cur) })
		for _, e := range es {
			n := e.other(cur)
			if _, ok := first[n]; ok {
				continue
			}
			first[n] = first[cur]
			if cur == node {
				first[n] = n
			}
			order = append(order, n)
		}
	}
	byVia := map[string]*Route{}
	var out []Route
	for _, e := range nb[node] {
		out = append(out, Route{Via: e.other(node), P2S: e.P2S})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Via < out[b].Via })
	for i := range out {
		byVia[out[i].Via] = &out[i]
	}
	for _, n := range order[1:] {
		r := byVia[first[n]]
		r.Nodes = append(r.Nodes, n)
		if nd, ok := t.Node(n); ok {
			r.Subnets = append(r.Subnets, nd.Subnets()...)
		}
	}
	return out
}

// reachable is the set of nodes connected to node.
func (t *Topology) reachable(node string) map[string]bool {
	seen := map[string]bool{node: true}
	for _, r := range t.Routes(node) {
		for _, n := range r.Nodes {
			seen[n] = true
		}
	}
	return seen
}
