package topology

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// Step is one use case apply ran: what it was, the UCI changes it made
// (or would make), and its notes.
type Step struct {
	Use     string   `json:"use"`
	Changes []string `json:"changes"`
	Notes   []string `json:"notes,omitempty"`
}

// Report is what apply did on one node.
type Report struct {
	Node      string `json:"node"`
	PublicKey string `json:"public_key"`
	Changed   bool   `json:"changed"`
	DryRun    bool   `json:"dry_run"`
	Steps     []Step `json:"steps"`
	// Unlisted are wgowrt's peers of the interface that the file does not
	// make neighbours of this node (a node dropped from the file, a link
	// removed, a peer added with peer add): apply leaves them as they are and
	// names them here, so that a shrinking file is never silently ignored.
	Unlisted []string `json:"unlisted,omitempty"`
	// Pending is the change waiting for `wgowrt confirm` (--confirm): every
	// step's commit, rolled back as one.
	Pending *ops.Pending `json:"pending,omitempty"`
}

// ApplyOptions are how ApplyWith runs.
type ApplyOptions struct {
	// DryRun writes nothing (Apply's dryRun).
	DryRun bool
	// Confirm with a Window makes every change of this apply one change
	// that waits for `wgowrt confirm` (ops.Confirm.Join after the first):
	// unless confirmed in time, the router goes back to what it had
	// before the apply, all steps at once.
	Confirm ops.Confirm
}

// request is one use case of the plan for a node.
type request struct {
	use string
	run func(o *ops.Ops, txn ops.Txn) (*ops.Outcome, error)
}

// Apply makes node follow the topology by running, in order, the use
// cases the single-router commands run: server init, then site add for
// every neighbour that routes subnets, peer add (and access) for every
// point. Each is idempotent, so a second apply changes nothing. With
// dryRun nothing is written: the steps run against a scratch copy of
// /etc/config, so later steps see what earlier ones would write.
func Apply(o *ops.Ops, t *Topology, node string, dryRun bool) (*Report, error) {
	return ApplyWith(o, t, node, ApplyOptions{DryRun: dryRun})
}

// ApplyWith is Apply with its options.
func ApplyWith(o *ops.Ops, t *Topology, node string, opt ApplyOptions) (*Report, error) {
	dryRun := opt.DryRun
	reqs, key, err := t.requests(o, node, dryRun)
	if err != nil {
		return nil, err
	}
	rep := &Report{Node: node, PublicKey: key.PublicKey().String(), DryRun: dryRun}
	c := *o // the caller's Ops keeps its key source
	target := &c
	if dryRun {
		scratch, cleanup, err := scratchOps(o)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		target = scratch
	}
	target.Deps.Keys = fixedKey(key)
	confirm := opt.Confirm
	if dryRun || confirm.Window <= 0 {
		confirm = ops.Confirm{}
	} else {
		rep.Pending = resumable(target, confirm.Command)
	}
	for _, rq := range reqs {
		if rep.Pending != nil {
			confirm = ops.Confirm{Join: rep.Pending.ID, Command: confirm.Command}
		}
		step, pending, err := runStep(target, rq, dryRun, confirm)
		rep.Steps = append(rep.Steps, step.Step)
		rep.Changed = rep.Changed || step.changed
		if pending != nil {
			rep.Pending = pending
		}
		if err != nil {
			return rep, fmt.Errorf("node %s, %s: %v", node, rq.use, err)
		}
	}
	if !dryRun {
		step, err := t.reroute(target, node)
		if step != nil {
			rep.Steps, rep.Changed = append(rep.Steps, *step), true
		}
		if err != nil {
			return rep, fmt.Errorf("node %s: %v", node, err)
		}
	}
	rep.Unlisted, err = t.unlisted(target, node)
	return rep, err
}

// resumable is the change an earlier run of the same confirmed apply left
// waiting (killed, or failed at a later step): this run joins it, so that
// running the command again finishes it, and one rollback still restores
// what the first run found.
func resumable(o *ops.Ops, command string) *ops.Pending {
	p, err := o.ReadPending()
	if err != nil || p == nil || p.Command != command || p.Remaining(o.Deps.Now()) == 0 {
		return nil
	}
	return p
}

// reroute runs `ifup` when the running router does not route what the
// interface's peers should carry: up to 24.10 netifd installs those
// routes only when the interface comes up, and a rollout has nobody to
// follow the note that says so. Checked on every apply (not only after a
// change), so the next run finishes what a killed one left. Only the
// subnets the file routes through the tunnel count (peers added by hand
// are the user's).
func (t *Topology) reroute(o *ops.Ops, node string) (*Step, error) {
	iface := t.Iface
	missing, err := o.MissingRoutes(iface, 15*time.Second)
	if err != nil {
		return nil, fmt.Errorf("checking the routes of %s: %v", iface, err)
	}
	ours := map[netip.Prefix]bool{}
	for _, r := range t.Routes(node) {
		for _, p := range r.Subnets {
			ours[p.Masked()] = true
		}
	}
	var ps []string
	for _, p := range missing {
		if ours[p.Masked()] {
			ps = append(ps, p.String())
		}
	}
	if len(ps) == 0 {
		return nil, nil
	}
	step := &Step{Use: "ifup " + iface, Changes: []string{}, Notes: []string{fmt.Sprintf(
		"%s not routed into %s: took it down and up again (netifd installs the routes of route_allowed_ips when %s comes up; every peer handshakes again)",
		strings.Join(ps, ", "), iface, iface)}}
	if err := o.Ifup(iface); err != nil {
		return step, fmt.Errorf("ifup %s: %v", iface, err)
	}
	return step, nil
}

// unlisted names the peers of the interface that wgowrt made (its own
// section names) and that are not node's neighbours in the file.
func (t *Topology) unlisted(o *ops.Ops, node string) ([]string, error) {
	st, _, err := o.Read("", t.Iface)
	if err != nil {
		return nil, fmt.Errorf("node %s: reading the peers of %s: %v", node, t.Iface, err)
	}
	want := map[string]bool{}
	for _, r := range t.Routes(node) {
		want[r.Via] = true
	}
	var out []string
	for _, p := range plan.ReadPeers(st, t.Iface) {
		if p.Owned && !want[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

// ranStep is a step and whether it changed anything.
type ranStep struct {
	Step
	changed bool
}

// runStep previews a use case (its changes, as `uci changes` prints
// them) and, when it has any, runs it: on the router, or for a dry run on
// the scratch copy, so that the next step plans from it. With confirm it
// returns the change that waits for confirmation.
func runStep(o *ops.Ops, rq request, dryRun bool, confirm ops.Confirm) (ranStep, *ops.Pending, error) {
	step := ranStep{Step: Step{Use: rq.use, Changes: []string{}}}
	pre, err := rq.run(o, ops.Txn{DryRun: true})
	if err != nil {
		return step, nil, err
	}
	if pre.Plan != nil {
		step.Changes = lines(pre.Plan.ChangeLines())
		step.Notes = append(step.Notes, pre.Plan.Notes...)
	}
	if !pre.Changed {
		return step, nil, nil
	}
	step.changed = true
	out, err := rq.run(o, ops.Txn{Confirm: confirm})
	if out == nil {
		return step, nil, err
	}
	if !dryRun {
		step.Notes = append(step.Notes, out.Applied...)
	}
	return step, out.Pending, err
}

func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// fixedKey hands the node key to server init (which draws the
// interface's key from Deps.Keys); an existing interface keeps its own.
func fixedKey(k wg.Key) wg.KeySource {
	return func() ([wg.KeyLen]byte, error) { return k, nil }
}

// scratchPrefix names a dry run's scratch root; the pid in it tells a
// later run whether its owner is gone (killed: nothing else removes it).
const scratchPrefix = "wgowrt-topology-"

// sweepScratch removes the scratch roots of dry runs that were killed:
// they hold a copy of the configuration, keys included.
func sweepScratch() {
	ents, _ := os.ReadDir(os.TempDir())
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), scratchPrefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if !ok || !e.IsDir() || err != nil || pid <= 0 {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
		}
	}
}

// scratchOps copies /etc/config into a temporary root.
func scratchOps(o *ops.Ops) (*ops.Ops, func(), error) {
	sweepScratch()
	dir, err := os.MkdirTemp("", scratchPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	src := o.Path("/etc/config")
	dst := filepath.Join(dir, "etc", "config")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		cleanup()
		return nil, nil, err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600)
		}
		if err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	s := *o
	s.Root = dir
	s.Deps.Live = func(string) *ops.Live { return nil }
	return &s, cleanup, nil
}

// requests builds node's use cases from the file.
func (t *Topology) requests(o *ops.Ops, name string, dryRun bool) ([]request, wg.Key, error) {
	if errs := t.Check(true); len(errs) > 0 {
		return nil, wg.Key{}, errs[0]
	}
	n, ok := t.Node(name)
	if !ok {
		return nil, wg.Key{}, fmt.Errorf("--node %q is not a node of the topology file", name)
	}
	if n.Kind != KindOpenWrt {
		return nil, wg.Key{}, fmt.Errorf("node %s is a %s, not an OpenWrt router: use 'wgowrt topology export --node %s --format wg-quick'", name, n.Kind, name)
	}
	key, _, err := NodeKey(o, t.Iface, !dryRun)
	if err != nil {
		return nil, wg.Key{}, err
	}
	if key.IsZero() { // dry run on a router without a key yet
		if key, err = o.NewPrivateKey(); err != nil {
			return nil, wg.Key{}, err
		}
	} else if n.PublicKey != "" && n.PublicKey != key.PublicKey().String() {
		return nil, wg.Key{}, fmt.Errorf("node %s: public_key %s in the file is not this router's key %s: is --node right?", name, n.PublicKey, key.PublicKey())
	}
	reqs := []request{t.serverInit(n)}
	for _, r := range t.Routes(name) {
		rs, err := t.linkRequests(n, r)
		if err != nil {
			return nil, wg.Key{}, err
		}
		reqs = append(reqs, rs...)
	}
	return reqs, key, nil
}

func (t *Topology) serverInit(n *Node) request {
	a := netip.MustParseAddr(n.Address)
	tun := netip.MustParsePrefix(t.Tunnel)
	in := plan.ServerIntent{Iface: t.Iface, Port: n.Port, Subnet4: netip.PrefixFrom(a, tun.Bits()).String(), IPv6: "off"}
	if n.Endpoint != "" {
		e, _ := wg.ParseEndpoint(n.Endpoint)
		in.Endpoint = &e
	}
	return request{use: "server init", run: func(o *ops.Ops, txn ops.Txn) (*ops.Outcome, error) {
		r, err := o.ServerInit(ops.ServerInit{Txn: txn, Intent: in})
		return r.Outcome, err
	}}
}

// linkRequests is site add for a neighbour that routes subnets, peer add
// (and access with a p2s strategy) for a point.
func (t *Topology) linkRequests(n *Node, r Route) ([]request, error) {
	m, _ := t.Node(r.Via)
	if m.PublicKey == "" {
		return nil, fmt.Errorf("node %s has no public_key, and %s links to it: collect it with 'wgowrt node key' on %s first", m.Name, n.Name, m.Name)
	}
	pub, _ := wg.ParseKey(m.PublicKey)
	var ep *wg.Endpoint
	if m.Endpoint != "" {
		e, _ := wg.ParseEndpoint(m.Endpoint)
		if e.Port == 0 {
			e.Port = m.Port
		}
		ep = &e
	}
	if len(r.Subnets) == 0 {
		return t.pointRequests(m, r, pub, ep), nil
	}
	in := plan.SiteIntent{Iface: t.Iface, Name: m.Name, Endpoint: ep, PublicKey: pub}
	for _, p := range r.Subnets {
		in.Remote = append(in.Remote, p.String())
	}
	for _, p := range n.Subnets() {
		in.Local = append(in.Local, p.String())
	}
	return []request{{use: "site add " + m.Name, run: func(o *ops.Ops, txn ops.Txn) (*ops.Outcome, error) {
		res, err := o.SiteAdd(ops.SiteAdd{Txn: txn, Intent: in})
		return res.Outcome, err
	}}}, nil
}

func (t *Topology) pointRequests(m *Node, r Route, pub wg.Key, ep *wg.Endpoint) []request {
	in := plan.PeerIntent{Iface: t.Iface, Name: m.Name, IPs: []string{m.Address}, PublicKey: &pub, Endpoint: ep, Tunnel: "split"}
	reqs := []request{{use: "peer add " + m.Name, run: func(o *ops.Ops, txn ops.Txn) (*ops.Outcome, error) {
		res, err := o.PeerAdd(ops.PeerAdd{Txn: txn, Intent: in, Show: func(wg.ClientConfig) error { return nil }})
		return res.Outcome, err
	}}}
	if r.P2S != "" {
		ai := plan.AccessIntent{Iface: t.Iface, Peer: m.Name, Strategy: r.P2S}
		reqs = append(reqs, request{use: "access " + m.Name + " " + r.P2S, run: func(o *ops.Ops, txn ops.Txn) (*ops.Outcome, error) {
			res, err := o.Access(ops.Access{Txn: txn, Intent: ai})
			return res.Outcome, err
		}})
	}
	return reqs
}
