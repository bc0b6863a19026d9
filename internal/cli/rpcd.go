package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	ucli "github.com/urfave/cli/v2"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// The rpcd bridge: wgowrt is its own rpcd exec plugin. package/Makefile
// installs /usr/libexec/rpcd/wgowrt as a symlink to the binary, and rpcd
// runs it as `<path> list` and `<path> call <method>`; so `list` and
// `call` are (hidden) top-level commands, whatever the program name, and
// `wgowrt rpcd list|call` is the same thing spelt out for people.
//
// No method writes anything. Methods that change configuration return the
// plan as edits for LuCI's uci.js to stage in the user's session; LuCI's
// Save & Apply then commits them with its apply-with-rollback, and a
// mistake that cuts the browser off is undone by rpcd after the timeout.
// Planning reads the configuration the way rpcd shows it to that session
// (committed files, /tmp/.uci, then the session's staged changes), so a
// second peer added before saving does not get the first one's address.

// rpcdSessionDir is where rpcd stages a session's uci changes.
const rpcdSessionDir = "/var/run/rpcd/uci-"

func rpcdCommand(env *Env) *ucli.Command {
	return &ucli.Command{
		Name:  "rpcd",
		Usage: "answer as rpcd's exec plugin (the ubus object wgowrt used by LuCI)",
		Subcommands: []*ucli.Command{
			rpcdListCommand(env, false),
			rpcdCallCommand(env, false),
		},
	}
}

// rpcdListCommand is `list`: the methods and their argument types.
func rpcdListCommand(env *Env, hidden bool) *ucli.Command {
	return &ucli.Command{
		Name:   "list",
		Usage:  "print the methods as rpcd reads them at start",
		Hidden: hidden,
		Action: func(c *ucli.Context) error {
			return rpcd.List(env.Stdout, rpcdMethods(env))
		},
	}
}

// rpcdCallCommand is `call METHOD`: arguments on stdin, one JSON object
// on stdout, failures included.
func rpcdCallCommand(env *Env, hidden bool) *ucli.Command {
	return &ucli.Command{
		Name:      "call",
		Usage:     "run METHOD with the JSON arguments on stdin and print one JSON object",
		ArgsUsage: "METHOD",
		Hidden:    hidden,
		Action: func(c *ucli.Context) error {
			return rpcd.Call(env.Stdout, env.Stdin, rpcdMethods(env), c.Args().First())
		},
	}
}

// rpcdMethods is the ubus object: read methods first, then the ones the
// ACL grants only with write access.
func rpcdMethods(env *Env) []rpcd.Method {
	b := &bridge{env: env}
	return []rpcd.Method{
		{Name: "status", Args: map[string]any{"iface": ""}, Call: b.status},
		{Name: "peers", Args: map[string]any{"iface": ""}, Call: b.peers},
		{Name: "next_address", Args: map[string]any{"iface": ""}, Call: b.nextAddress},
		{Name: "generate_keys", Args: map[string]any{"psk": true}, Write: true, Call: b.generateKeys},
		{Name: "peer_add", Args: peerAddSignature, Write: true, Call: b.peerAdd},
		{Name: "peer_config", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerConfig},
		{Name: "peer_remove", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("remove")},
		{Name: "peer_disable", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("disable")},
		{Name: "peer_enable", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("enable")},
		{Name: "peer_rename", Args: map[string]any{"iface": "", "name": "", "new_name": ""}, Write: true, Call: b.peerRename},
		{Name: "server_init", Args: serverInitSignature, Write: true, Call: b.serverInit},
		{Name: "client_import", Args: clientImportSignature, Write: true, Call: b.clientImport},
		{Name: "site_add", Args: siteAddSignature, Write: true, Call: b.siteAdd},
	}
}

// bridge answers the methods for one process (one call).
type bridge struct{ env *Env }

// state loads the configuration as rpcd shows it to session sid ("" =
// no session: as netifd sees it).
// decodeState reads a method's arguments into a and loads the state the
// caller's session sees.
func (b *bridge) decodeState(args json.RawMessage, a any) (plan.State, error) {
	sid, err := rpcd.Decode(args, a)
	if err != nil {
		return plan.State{}, err
	}
	return b.state(sid)
}

func (b *bridge) state(sid string) (plan.State, error) {
	if sid == "" {
		st, _, err := loadState(b.env)
		return st, err
	}
	if !validSession(sid) {
		return plan.State{}, rpcd.Errorf(rpcd.SessionArg, "", "%s is not an rpcd session id", rpcd.SessionArg)
	}
	ctx := &uci.Context{
		ConfDir:     b.env.Path(uci.DefaultConfDir),
		OverrideDir: b.env.Path(uci.DefaultOverrideDir),
		DeltaPaths:  []string{b.env.Path(uci.DefaultSaveDir)},
		SaveDir:     b.env.Path(rpcdSessionDir + sid),
	}
	var st plan.State
	var err error
	if st.Network, err = loadPackage(ctx, wg.PkgNetwork, false); err != nil {
		return st, err
	}
	if st.Firewall, err = loadPackage(ctx, wg.PkgFirewall, false); err != nil {
		return st, err
	}
	st.Wgowrt, err = loadPackage(ctx, wg.PkgWgowrt, true)
	st.Live = liveFacts(b.env)
	return st, err
}

// loadPackage is store.Load over another context: a missing optional
// package is empty.
func loadPackage(ctx *uci.Context, name string, optional bool) (*uci.Package, error) {
	p, err := ctx.Load(name)
	if err == nil {
		return p, nil
	}
	if _, serr := os.Stat(ctx.Path(name)); os.IsNotExist(serr) {
		if optional {
			return uci.NewPackage(name), nil
		}
		return nil, fmt.Errorf("%s does not exist", ctx.Path(name))
	}
	return nil, fmt.Errorf("reading %s: %v", ctx.Path(name), err)
}

// validSession accepts rpcd's session ids (32 hex digits), which become a
// path component.
func validSession(sid string) bool {
	if len(sid) != 32 || filepath.Base(sid) != sid {
		return false
	}
	for _, c := range sid {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
