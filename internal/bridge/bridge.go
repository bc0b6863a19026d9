// Package bridge is the rpcd bridge for LuCI: wgowrt is its own rpcd exec
// plugin (package/Makefile installs /usr/libexec/rpcd/wgowrt as a symlink
// to the binary; rpcd runs it as `<path> list` and `<path> call
// <method>`). Each method turns its JSON arguments into the same request
// the command line makes (internal/ops) and the result into the
// documented answer (testdata/rpcd in internal/cli).
//
// No method writes anything. Methods that change configuration return the
// plan as edits for LuCI's uci.js to stage in the user's session; LuCI's
// Save & Apply then commits them with its apply-with-rollback, and a
// mistake that cuts the browser off is undone by rpcd after the timeout.
// Planning reads the configuration the way rpcd shows it to that session
// (committed files, /tmp/.uci, then the session's staged changes), so a
// second peer added before saving does not get the first one's address;
// and it holds the operations lock, so it never plans against a
// configuration a command is half-way through committing.
package bridge

import (
	"encoding/json"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/rpcd"
)

// Methods is the ubus object for the router under root: read methods
// first, then the ones the ACL grants only with write access.
func Methods(root string) []rpcd.Method {
	return methods(&bridge{ops: ops.New(root)})
}

func methods(b *bridge) []rpcd.Method {
	ms := []rpcd.Method{
		{Name: "status", Args: pagedSignature, Call: b.status},
		{Name: "peers", Args: pagedSignature, Call: b.peers},
		{Name: "next_address", Args: map[string]any{"iface": ""}, Call: b.nextAddress},
		{Name: "doctor", Args: map[string]any{"iface": ""}, Call: b.doctor},
		{Name: "generate_keys", Args: map[string]any{"psk": true}, Write: true, Call: b.generateKeys},
		{Name: "peer_add", Args: peerAddSignature, Write: true, Call: b.peerAdd},
		{Name: "peer_config", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerConfig},
		{Name: "peer_remove", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("remove")},
		{Name: "peer_disable", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("disable")},
		{Name: "peer_enable", Args: map[string]any{"iface": "", "name": ""}, Write: true, Call: b.peerEdit("enable")},
		{Name: "peer_rename", Args: map[string]any{"iface": "", "name": "", "new_name": ""}, Write: true, Call: b.peerRename},
		{Name: "peer_expiry", Args: peerExpirySignature, Write: true, Call: b.peerExpiry},
		{Name: "server_init", Args: serverInitSignature, Write: true, Call: b.serverInit},
		{Name: "client_import", Args: clientImportSignature, Write: true, Call: b.clientImport},
		{Name: "site_add", Args: siteAddSignature, Write: true, Call: b.siteAdd},
		{Name: "site_remove", Args: siteRemoveSignature, Write: true, Call: b.siteRemove},
		{Name: "adopt", Args: adoptSignature, Write: true, Call: b.adopt},
		{Name: "role_remove", Args: roleSignature, Write: true, Call: b.roleRemove},
	}
	for i := range ms {
		ms[i].Call = inLuCIWords(ms[i].Call)
	}
	return ms
}

// bridge answers the methods for one process (one call).
type bridge struct{ ops *ops.Ops }

// decode reads a method's arguments into a and returns the caller's
// session (a checked rpcd session id, or "" for a call without one).
func decode(args json.RawMessage, a any) (ops.Txn, error) {
	sid, err := rpcd.Decode(args, a)
	if err != nil {
		return ops.Txn{}, err
	}
	if sid != "" && !ops.ValidSession(sid) {
		return ops.Txn{}, rpcd.Errorf(rpcd.SessionArg, "", "%s is not an rpcd session id", rpcd.SessionArg)
	}
	return ops.Txn{DryRun: true, Session: sid}, nil
}
