package bridge

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// The Setup page's methods: make a server, import a provider's config,
// link a site. Each returns the plan for the page to preview and stage.

type keysArgs struct {
	PSK bool `json:"psk"`
}

// generateKeys draws a key pair, or a preshared key with psk set. The
// answer is a secret by nature and goes to the page that asked for it.
func (b *bridge) generateKeys(args json.RawMessage) (any, error) {
	var a keysArgs
	if _, err := rpcd.Decode(args, &a); err != nil {
		return nil, err
	}
	if a.PSK {
		k, err := b.ops.NewPresharedKey()
		if err != nil {
			return nil, err
		}
		return map[string]string{"preshared_key": k.String()}, nil
	}
	k, err := b.ops.NewPrivateKey()
	if err != nil {
		return nil, err
	}
	return map[string]string{"private_key": k.String(), "public_key": k.PublicKey().String()}, nil
}

// serverInitArgs are the flags of `server init`.
type serverInitArgs struct {
	Iface          string   `json:"iface"`
	Port           rpcd.Int `json:"port"`
	Subnet         string   `json:"subnet"`
	IPv6           string   `json:"ipv6"`
	Endpoint       string   `json:"endpoint"`
	LanAccess      string   `json:"lan_access"`
	RouterAccess   string   `json:"router_access"`
	Internet       *bool    `json:"internet"`
	ClientToClient *bool    `json:"client_to_client"`
}

var serverInitSignature = map[string]any{"iface": "", "port": 32, "subnet": "", "ipv6": "", "endpoint": "",
	"lan_access": "", "router_access": "", "internet": true, "client_to_client": true}

func (b *bridge) serverInit(args json.RawMessage) (any, error) {
	var a serverInitArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	in, err := a.intent()
	if err != nil {
		return nil, err
	}
	r, err := b.ops.ServerInit(ops.ServerInit{Txn: txn, Intent: in})
	if err != nil {
		return nil, err
	}
	pa, err := planned(r.Outcome)
	if err != nil {
		return nil, err
	}
	srv, err := plan.ReadServer(r.Plan.State, in.Iface)
	if err != nil {
		return nil, err
	}
	out := struct {
		*planAnswer
		Iface      string   `json:"iface"`
		PublicKey  string   `json:"public_key"`
		ListenPort int      `json:"listen_port"`
		Addresses  []string `json:"addresses"`
	}{planAnswer: pa, Iface: in.Iface, PublicKey: srv.PublicKey().String(), ListenPort: srv.Port, Addresses: []string{}}
	for _, p := range srv.Addresses {
		out.Addresses = append(out.Addresses, p.String())
	}
	return out, nil
}

func (a serverInitArgs) intent() (plan.ServerIntent, error) {
	in := plan.ServerIntent{Iface: a.Iface, Subnet4: a.Subnet, IPv6: a.IPv6, LanAccess: a.LanAccess,
		RouterAccess: a.RouterAccess, Internet: a.Internet, ClientToClient: a.ClientToClient}
	if in.Iface == "" {
		in.Iface = "wg0"
	}
	if a.Port.Set {
		if _, err := wg.ParsePort(fmt.Sprint(a.Port.Value)); err != nil {
			return in, rpcd.Errorf("port", fmt.Sprint(a.Port.Value), "%v", err)
		}
		in.Port = a.Port.Value
	}
	if a.Endpoint != "" {
		e, err := wg.ParseEndpoint(a.Endpoint)
		if err != nil {
			return in, rpcd.Errorf("endpoint", a.Endpoint, "%v", err)
		}
		in.Endpoint = &e
	}
	return in, nil
}

// clientImportArgs are `client import`'s file (as text) and flags.
type clientImportArgs struct {
	Config     string   `json:"config"`
	Filename   string   `json:"filename"`
	Iface      string   `json:"iface"`
	Mode       string   `json:"mode"`
	Allowed    []string `json:"allowed"`
	KillSwitch bool     `json:"kill_switch"`
	Lan        string   `json:"lan"`
	Allow      []string `json:"allow"`
}

var clientImportSignature = map[string]any{"config": "", "filename": "", "iface": "", "mode": "", "allowed": []string{},
	"kill_switch": true, "lan": "", "allow": []string{}}

func (b *bridge) clientImport(args json.RawMessage) (any, error) {
	var a clientImportArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	conf, err := wgquick.Parse([]byte(a.Config))
	if err != nil {
		return nil, rpcd.Errorf("config", "", "%s: %v", displayConf(a.Filename), err)
	}
	in, err := a.intent(conf)
	if err != nil {
		return nil, err
	}
	r, err := b.ops.ClientImport(ops.ClientImport{Txn: txn, Intent: in})
	if err != nil {
		return nil, err
	}
	pa, err := planned(r.Outcome)
	if err != nil {
		return nil, err
	}
	cl, err := ops.ViewClient(r.Plan.State, in.Iface, r.Plan.Changed())
	if err != nil {
		return nil, err
	}
	cl.Allow, cl.Addresses, cl.Endpoints = nonNil(cl.Allow), nonNil(cl.Addresses), nonNil(cl.Endpoints)
	return struct {
		*planAnswer
		Client ops.ClientView `json:"client"`
	}{pa, cl}, nil
}

func displayConf(name string) string {
	if name == "" {
		return "the pasted config"
	}
	if name == "-" {
		return "stdin"
	}
	return filepath.Base(name)
}

func (a clientImportArgs) intent(conf *wgquick.Config) (plan.ClientIntent, error) {
	iface := a.Iface
	if iface == "" {
		iface = ops.DefaultClientIface
		if a.Filename != "" {
			iface = ops.IfaceFromFile(a.Filename)
		}
	}
	in := plan.ClientIntent{Iface: iface, Mode: a.Mode, KillSwitch: a.KillSwitch, Lan: a.Lan, Conf: conf}
	for _, s := range ops.SplitList(a.Allowed) {
		p, err := wg.ParsePrefix(s)
		if err != nil {
			return in, rpcd.Errorf("allowed", s, "%q is not a CIDR (e.g. 10.0.0.0/8)", s)
		}
		in.Allowed = append(in.Allowed, p)
	}
	var err error
	if in.Allow, err = ops.ParseServices(a.Allow); err != nil {
		return in, rpcd.Errorf("allow", strings.Join(a.Allow, ","), "%v", err)
	}
	return in, nil
}

// siteAddArgs are the flags of `site add`; the preshared key comes as
// text (generated by generate_keys or pasted from the other router).
type siteAddArgs struct {
	Iface         string   `json:"iface"`
	Name          string   `json:"name"`
	PublicKey     string   `json:"public_key"`
	Endpoint      string   `json:"endpoint"`
	RemoteSubnets []string `json:"remote_subnets"`
	LocalSubnets  []string `json:"local_subnets"`
	PresharedKey  string   `json:"preshared_key"`
	Keepalive     rpcd.Int `json:"keepalive"`
}

var siteAddSignature = map[string]any{"iface": "", "name": "", "public_key": "", "endpoint": "", "remote_subnets": []string{},
	"local_subnets": []string{}, "preshared_key": "", "keepalive": 32}

func (b *bridge) siteAdd(args json.RawMessage) (any, error) {
	var a siteAddArgs
	txn, err := decode(args, &a)
	if err != nil {
		return nil, err
	}
	if err := wg.ValidatePeerName(a.Name); err != nil {
		return nil, rpcd.Errorf("name", a.Name, "site %s", strings.TrimPrefix(err.Error(), "peer "))
	}
	in, err := a.intent()
	if err != nil {
		return nil, err
	}
	r, err := b.ops.SiteAdd(ops.SiteAdd{Txn: txn, Intent: in})
	if err != nil {
		return nil, err
	}
	return planned(r.Outcome)
}

func (a siteAddArgs) intent() (plan.SiteIntent, error) {
	in := plan.SiteIntent{Iface: a.Iface, Name: a.Name, Remote: ops.SplitList(a.RemoteSubnets), Local: ops.SplitList(a.LocalSubnets)}
	k, err := wg.ParseKey(strings.TrimSpace(a.PublicKey))
	if err != nil {
		return in, rpcd.Errorf("public_key", "", "the other router's public key: %v", err)
	}
	in.PublicKey = k
	if len(in.Remote) == 0 {
		return in, rpcd.Errorf("remote_subnets", "", "give at least one remote subnet (the other site's LAN)")
	}
	if a.Endpoint != "" {
		e, err := wg.ParseEndpoint(a.Endpoint)
		if err != nil {
			return in, rpcd.Errorf("endpoint", a.Endpoint, "%v", err)
		}
		in.Endpoint = &e
	}
	if a.Keepalive.Set {
		k := a.Keepalive.Value
		if err := wg.ParseKeepalive(k); err != nil {
			return in, rpcd.Errorf("keepalive", fmt.Sprint(k), "%v", err)
		}
		in.Keepalive = &k
	}
	if s := strings.TrimSpace(a.PresharedKey); s != "" {
		k, err := wg.ParseKey(s)
		if err != nil {
			return in, rpcd.Errorf("preshared_key", "", "preshared key: %v", err)
		}
		in.PSK = &k
	}
	return in, nil
}
