package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// The Overview's adopt and role_remove methods beyond the contract
// scenarios (testdata/rpcd/adopt-*.txtar, role-remove-*.txtar): what their
// edits give once LuCI has staged and saved them.

const roleSID = "0123456789abcdef0123456789abcdef"

// planOf is the edits and changes of a planned answer (fatal on an error).
type planOf struct {
	Error   string      `json:"error"`
	Changes []string    `json:"changes"`
	Edits   []rpcd.Edit `json:"edits"`
}

func callPlan(t *testing.T, root, method, args string) planOf {
	t.Helper()
	var p planOf
	if err := json.Unmarshal([]byte(callMethod(t, root, method, args)), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// configs loads network, firewall and wgowrt (and dhcp when the root has
// one) as uci sees them with the changes staged in dir (none: "").
func configs(t *testing.T, root, dir string) map[string]*uci.Package {
	t.Helper()
	ctx := &uci.Context{ConfDir: filepath.Join(root, "etc/config"), SaveDir: filepath.Join(root, "tmp/.uci")}
	if dir != "" {
		ctx.SaveDir = dir
	}
	out := map[string]*uci.Package{}
	names := []string{wg.PkgNetwork, wg.PkgFirewall, wg.PkgWgowrt}
	if _, err := os.Stat(filepath.Join(root, "etc/config/dhcp")); err == nil {
		names = append(names, "dhcp")
	}
	for _, name := range names {
		f := filepath.Join(root, "etc/config", name)
		if _, err := os.Stat(f); os.IsNotExist(err) {
			os.WriteFile(f, nil, 0644) // as the package installs it
		}
		p, err := ctx.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// stageInSession applies edits as uci.js does and saves them into the
// session's delta files, as rpcd does for LuCI's uci calls.
func stageInSession(t *testing.T, root, sid string, edits []rpcd.Edit) {
	t.Helper()
	dir := filepath.Join(root, "var/run/rpcd/uci-"+sid)
	pkgs := configs(t, root, dir)
	for _, e := range edits {
		if err := stageLikeUCIJS(pkgs[e.Config], e); err != nil {
			t.Fatalf("staging %+v: %v", e, err)
		}
	}
	ctx := &uci.Context{ConfDir: filepath.Join(root, "etc/config"), SaveDir: dir}
	for _, p := range pkgs {
		if err := ctx.Save(p); err != nil {
			t.Fatal(err)
		}
	}
}

func exported(pkgs map[string]*uci.Package) map[string]string {
	out := map[string]string{}
	for n, p := range pkgs {
		out[n] = string(p.Export(false))
	}
	return out
}

// TestAdoptThenRemoveInOneLuCISession: the wiki's hand-made wg0 adopted
// through the bridge, its edits staged in a LuCI session; role_remove in
// that session sees the staged adoption (a wgowrt server now) and plans
// the server's removal; staged too, the session's configuration is what
// 'wgowrt adopt wg0' then 'wgowrt server remove' write on a copy. An
// unknown or hostile interface is refused in one line, with nothing to
// stage.
func TestAdoptThenRemoveInOneLuCISession(t *testing.T) {
	useTestDeps(t)
	a := parseTxtar(string(mustRead(t, "testdata/rpcd/adopt-wiki.txtar")))
	root := prepareRoot(t, a)
	os.MkdirAll(filepath.Join(root, "var/run/rpcd/uci-"+roleSID), 0700)
	sess := `{"iface":"wg0","ubus_rpc_session":"` + roleSID + `"}`
	ad := callPlan(t, root, "adopt", sess)
	if ad.Error != "" || len(ad.Edits) == 0 {
		t.Fatalf("adopt: %+v", ad)
	}
	stageInSession(t, root, roleSID, ad.Edits)
	rm := callPlan(t, root, "role_remove", sess)
	if rm.Error != "" || !contains(rm.Changes, "-network.wg0") || !contains(rm.Changes, "-network.wgowrt_wg0_wgclient") {
		t.Fatalf("role_remove in the session does not remove the staged server: %+v", rm)
	}
	stageInSession(t, root, roleSID, rm.Edits)
	got := exported(configs(t, root, filepath.Join(root, "var/run/rpcd/uci-"+roleSID)))

	fresh := prepareRoot(t, a)
	mustRun(t, fresh, "adopt wg0")
	mustRun(t, fresh, "server remove --iface wg0")
	want := exported(configs(t, fresh, ""))
	for name := range want {
		if got[name] != want[name] {
			t.Errorf("%s staged in the session differs from the command line's\n--- cli\n%s--- session\n%s", name, want[name], got[name])
		}
	}
	for _, c := range []struct{ method, args, msg string }{
		{"adopt", `{"iface":"wg9"}`, `no WireGuard interface "wg9"`},
		{"role_remove", `{"iface":"wg9"}`, "no interface wg9: nothing to remove"},
		{"adopt", `{"iface":"wg0;reboot"}`, `"wg0;reboot" is not the name of a network interface`},
		{"role_remove", `{"iface":"<b>x</b>\nnext line"}`, `is not the name of a network interface`},
		{"role_remove", `{"iface":""}`, "name the interface"},
		{"adopt", `{"iface":"wg0","endpoint":"a b"}`, "a b"},
	} {
		p := callPlan(t, root, c.method, c.args)
		if p.Error == "" || strings.Contains(p.Error, "\n") || len(p.Edits) > 0 || !strings.Contains(p.Error, c.msg) {
			t.Errorf("%s %s: error %q, %d edits; want one line naming %q and no edits", c.method, c.args, p.Error, len(p.Edits), c.msg)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRoleRemoveRestoresTheRouter: on a stock router, a wgowrt server with
// two peers made on the command line; role_remove's edits, staged over
// what it wrote, give back exactly the configuration from before (no
// section of the server left, nothing hand-made touched).
func TestRoleRemoveRestoresTheRouter(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	before := exported(configs(t, root, ""))
	mustRun(t, root, "server init --endpoint vpn.example.com --internet")
	mustRun(t, root, "peer add phone --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	mustRun(t, root, "peer add laptop --public-key 98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	p := callPlan(t, root, "role_remove", `{"iface":"wg0"}`)
	if p.Error != "" {
		t.Fatal(p.Error)
	}
	stageInSession(t, root, roleSID, p.Edits)
	got := exported(configs(t, root, filepath.Join(root, "var/run/rpcd/uci-"+roleSID)))
	for name := range before {
		if got[name] != before[name] {
			t.Errorf("%s after staging role_remove differs from before server init\n--- before\n%s--- after\n%s", name, before[name], got[name])
		}
	}
}

// TestRoleMethodsRefusedWhileAChangeWaits: while a command-line change
// waits for 'wgowrt confirm', adopt and role_remove in a LuCI session
// refuse (LuCI would apply over it) and hand nothing to stage.
func TestRoleMethodsRefusedWhileAChangeWaits(t *testing.T) {
	root, _ := confirmRoot(t)
	mustRun(t, root, "expose --peer phone --port 8080:80/tcp --confirm=60")
	os.MkdirAll(filepath.Join(root, "var/run/rpcd/uci-"+roleSID), 0700)
	for _, m := range []string{"adopt", "role_remove"} {
		args := `{"iface":"wg0","ubus_rpc_session":"` + roleSID + `"}`
		if m == "adopt" {
			// wg0 is wgowrt's already: adopting it again records the endpoint
			args = `{"iface":"wg0","endpoint":"other.example.com","ubus_rpc_session":"` + roleSID + `"}`
		}
		p := callPlan(t, root, m, args)
		if !strings.Contains(p.Error, "waiting for confirmation") || len(p.Edits) > 0 {
			t.Errorf("%s while a change waits: error %q, %d edits", m, p.Error, len(p.Edits))
		}
	}
}

// TestFullTunnelRemovedInLuCISession: a full tunnel imported on the
// command line steered dnsmasq to the provider's resolver; a LuCI session
// then staged a resolver of its own into dnsmasq's server list, another
// session one of its own. role_remove in the first session plans against
// that session's dhcp: staged, dnsmasq has its setup from before the
// import plus that session's resolver (planned against the committed
// file, the list it sets would drop it; against every session's staged
// changes, as the command line plans, it would stage the other's).
func TestFullTunnelRemovedInLuCISession(t *testing.T) {
	useTestDeps(t)
	a := parseTxtar(string(mustRead(t, "testdata/rpcd/role-remove-client-dns.txtar")))
	root := prepareRoot(t, a)
	want := configs(t, root, "")["dhcp"]
	runSetup(t, root, a.files["setup"])
	dir := filepath.Join(root, "var/run/rpcd/uci-"+roleSID)
	os.MkdirAll(dir, 0700)
	const lab = "/lab.example/10.2.2.2"
	dns := configs(t, root, dir)["dhcp"].SectionsOfType("dnsmasq")[0]
	servers := append(append([]string{}, dns.Option("server").Values...), lab)
	stageInSession(t, root, roleSID, []rpcd.Edit{{Op: "set", Config: "dhcp", Section: dns.Name,
		Values: rpcd.Values{{Name: "server", Value: servers}}}})
	// another session's resolver, not this session's to stage
	other := "fedcba9876543210fedcba9876543210"
	os.MkdirAll(filepath.Join(root, "var/run/rpcd/uci-"+other), 0700)
	stageInSession(t, root, other, []rpcd.Edit{{Op: "set", Config: "dhcp", Section: dns.Name,
		Values: rpcd.Values{{Name: "server", Value: append(servers[:len(servers)-1:len(servers)-1], "/other.example/10.3.3.3")}}}})
	p := callPlan(t, root, "role_remove", `{"iface":"provider","ubus_rpc_session":"`+roleSID+`"}`)
	if p.Error != "" || !contains(p.Changes, "-network.provider") {
		t.Fatalf("role_remove in the session: %+v", p)
	}
	stageInSession(t, root, roleSID, p.Edits)
	got := configs(t, root, dir)["dhcp"]
	w := want.SectionsOfType("dnsmasq")[0]
	if err := want.SetList(w.Name, "server", append(append([]string{}, w.Option("server").Values...), lab)); err != nil {
		t.Fatal(err)
	}
	if optionsSorted(got) != optionsSorted(want) {
		t.Errorf("dhcp staged in the session\n%s\nwant (before the import, plus the session's resolver)\n%s", optionsSorted(got), optionsSorted(want))
	}
}
