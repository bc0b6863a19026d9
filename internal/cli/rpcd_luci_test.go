package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/bridge"
	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/rpcd"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

const luciApp = "../../luci-app"

// TestRPCDList pins the method signatures rpcd reads at start, and checks
// that `wgowrt list` (what rpcd runs through the symlink) and `wgowrt rpcd
// list` print the same.
func TestRPCDList(t *testing.T) {
	var o1, o2, e bytes.Buffer
	if code := Main([]string{"/usr/libexec/rpcd/wgowrt", "list"}, strings.NewReader(""), &o1, &e); code != 0 {
		t.Fatalf("list: exit %d: %s", code, e.String())
	}
	Main([]string{"wgowrt", "rpcd", "list"}, strings.NewReader(""), &o2, &e)
	if o1.String() != o2.String() || strings.Count(o1.String(), "\n") != 1 {
		t.Errorf("list and rpcd list differ or are not one line:\n%s\n%s", o1.String(), o2.String())
	}
	var sig map[string]map[string]any
	if err := json.Unmarshal(o1.Bytes(), &sig); err != nil {
		t.Fatal(err)
	}
	pretty, _ := json.MarshalIndent(sig, "", "  ")
	golden := "testdata/rpcd/list.json"
	if *update {
		os.WriteFile(golden, append(pretty, '\n'), 0644)
	}
	want, _ := os.ReadFile(golden)
	if string(want) != string(pretty)+"\n" {
		t.Errorf("list differs from %s (run with -update):\n%s", golden, pretty)
	}
}

// declared is one rpc.declare of a view.
type declared struct {
	file, object, method string
	params               []string
}

var (
	declareRe = regexp.MustCompile(`(?s)rpc\.declare\(\{(.*?)\}\)`)
	objectRe  = regexp.MustCompile(`object:\s*'([^']+)'`)
	methodRe  = regexp.MustCompile(`method:\s*'([^']+)'`)
	paramsRe  = regexp.MustCompile(`params:\s*\[([^\]]*)\]`)
	loadRe    = regexp.MustCompile(`uci\.load\(\[([^\]]*)\]\)`)
	quotedRe  = regexp.MustCompile(`'([^']*)'`)
)

// jsFiles reads every JavaScript file of the app.
func jsFiles(t *testing.T) map[string]string {
	out := map[string]string{}
	filepath.Walk(filepath.Join(luciApp, "htdocs"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".js") {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	if len(out) == 0 {
		t.Fatal("no JavaScript found under " + luciApp)
	}
	return out
}

func declarations(t *testing.T) []declared {
	var out []declared
	for f, src := range jsFiles(t) {
		for _, m := range declareRe.FindAllStringSubmatch(src, -1) {
			d := declared{file: filepath.Base(f)}
			if o := objectRe.FindStringSubmatch(m[1]); o != nil {
				d.object = o[1]
			}
			if o := methodRe.FindStringSubmatch(m[1]); o != nil {
				d.method = o[1]
			}
			if p := paramsRe.FindStringSubmatch(m[1]); p != nil {
				for _, q := range quotedRe.FindAllStringSubmatch(p[1], -1) {
					d.params = append(d.params, q[1])
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// loadedConfigs are the UCI configs the views load (and so stage into).
func loadedConfigs(t *testing.T) []string {
	set := map[string]bool{}
	for _, src := range jsFiles(t) {
		for _, m := range loadRe.FindAllStringSubmatch(src, -1) {
			for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
				set[q[1]] = true
			}
		}
	}
	return sortedSet(set)
}

func sortedSet(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type aclFile map[string]struct {
	Description string `json:"description"`
	Read        struct {
		Ubus map[string][]string `json:"ubus"`
		UCI  []string            `json:"uci"`
	} `json:"read"`
	Write struct {
		Ubus map[string][]string `json:"ubus"`
		UCI  []string            `json:"uci"`
	} `json:"write"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// stagingMethods are the ubus uci methods the views stage a plan's edits
// with; luci-base's ACL grants them to every LuCI user, and rpcd checks each
// call against the app's uci write list.
var stagingMethods = map[string]bool{"add": true, "set": true, "delete": true, "order": true}

// TestLuCIAppUsesExactlyTheACL: every method a view declares exists in
// `rpcd list` with the parameters it passes (or is one of uci's staging
// methods), the ACL grants exactly the methods the views call (read-only
// methods under read, the others under write), reading exactly the configs
// the views load — never network, which holds every private key — and
// writing exactly the configs plans stage into.
func TestLuCIAppUsesExactlyTheACL(t *testing.T) {
	methods := map[string]rpcd.Method{}
	for _, m := range bridge.Methods("") {
		methods[m.Name] = m
	}
	read, write := map[string]bool{}, map[string]bool{}
	for _, d := range declarations(t) {
		if d.object == "uci" && stagingMethods[d.method] {
			continue
		}
		if d.object != "wgowrt" {
			t.Errorf("%s declares %s.%s: views call only wgowrt and uci's staging methods", d.file, d.object, d.method)
			continue
		}
		m, ok := methods[d.method]
		if !ok {
			t.Errorf("%s calls wgowrt.%s, which rpcd list does not offer", d.file, d.method)
			continue
		}
		for _, p := range d.params {
			if _, ok := m.Args[p]; !ok {
				t.Errorf("%s passes %q to %s, which it does not take", d.file, p, d.method)
			}
		}
		if m.Write {
			write[d.method] = true
		} else {
			read[d.method] = true
		}
	}
	var acl aclFile
	readJSON(t, filepath.Join(luciApp, "root/usr/share/rpcd/acl.d/luci-app-wgowrt.json"), &acl)
	g, ok := acl["luci-app-wgowrt"]
	if !ok || len(acl) != 1 {
		t.Fatalf("acl.d must hold the one group luci-app-wgowrt, has %v", acl)
	}
	if len(g.Read.Ubus) != 1 || len(g.Write.Ubus) != 1 {
		t.Errorf("the ACL grants ubus objects other than wgowrt: %v %v", g.Read.Ubus, g.Write.Ubus)
	}
	if contains(g.Read.UCI, "network") {
		t.Errorf("the read role may read network, which holds every private and preshared key")
	}
	if contains(g.Read.UCI, "dhcp") || contains(g.Read.UCI, "firewall") {
		t.Errorf("the read role may read uci configs the views never load: %v", g.Read.UCI)
	}
	for _, c := range []struct {
		what      string
		want, got []string
	}{
		{"read ubus wgowrt", sortedSet(read), sorted(g.Read.Ubus["wgowrt"])},
		{"write ubus wgowrt", sortedSet(write), sorted(g.Write.Ubus["wgowrt"])},
		{"read uci", loadedConfigs(t), sorted(g.Read.UCI)},
		{"write uci", sorted(planConfigs()), sorted(g.Write.UCI)},
	} {
		if d := cmp.Diff(c.want, c.got); d != "" {
			t.Errorf("%s: views use (-) but the ACL grants (+):\n%s", c.what, d)
		}
	}
}

// planConfigs are the configs a planned answer may name in "configs":
// dhcp for dnsmasq's setup (role_remove of a full tunnel puts it back).
func planConfigs() []string { return []string{"network", "firewall", "wgowrt", "dhcp"} }

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestLuCIMenuIsValid: the menu is valid JSON, its views exist and it
// depends on the ACL group the app ships.
func TestLuCIMenuIsValid(t *testing.T) {
	var menu map[string]struct {
		Title  string `json:"title"`
		Order  int    `json:"order"`
		Action struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"action"`
		Depends *struct {
			ACL []string          `json:"acl"`
			FS  map[string]string `json:"fs"`
		} `json:"depends"`
	}
	readJSON(t, filepath.Join(luciApp, "root/usr/share/luci/menu.d/luci-app-wgowrt.json"), &menu)
	views := 0
	for path, e := range menu {
		switch e.Action.Type {
		case "view":
			views++
			if _, err := os.Stat(filepath.Join(luciApp, "htdocs/luci-static/resources/view", e.Action.Path+".js")); err != nil {
				t.Errorf("%s: view %s: %v", path, e.Action.Path, err)
			}
		case "firstchild":
			if e.Depends == nil || !contains(e.Depends.ACL, "luci-app-wgowrt") {
				t.Errorf("%s does not depend on the luci-app-wgowrt ACL", path)
			}
		default:
			t.Errorf("%s: unexpected action %q", path, e.Action.Type)
		}
	}
	if views != 3 {
		t.Errorf("%d views in the menu, want overview, peers and setup", views)
	}
}

// TestStatusAnswerSize measures the status answer against rpcd's buffer:
// it must hold a server with 200 peers easily; the largest server that
// fits is logged; a larger one asked without paging answers its first
// page with the total.
func TestStatusAnswerSize(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	now := time.Unix(1795307900, 0)
	ops.Default.Now = func() time.Time { return now }
	device := func(n int) *wgtypes.Device {
		dev := &wgtypes.Device{Name: "wg0", ListenPort: 51820}
		for i := 0; i < n; i++ {
			var k wgtypes.Key
			copy(k[:], fmt.Sprintf("peer %d", i))
			_, a, _ := net.ParseCIDR(fmt.Sprintf("10.%d.%d.%d/32", 8+i>>16, i>>8&255, i&255))
			dev.Peers = append(dev.Peers, wgtypes.Peer{PublicKey: k, AllowedIPs: []net.IPNet{*a}, LastHandshakeTime: now.Add(-time.Minute),
				Endpoint: &net.UDPAddr{IP: net.ParseIP("198.51.100.200"), Port: 60000}, ReceiveBytes: 123456789, TransmitBytes: 987654321})
		}
		return dev
	}
	size := func(n int) int {
		dev := device(n)
		ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(dev), nil }
		var o, e bytes.Buffer
		Main([]string{"wgowrt", "--root", root, "call", "status"}, strings.NewReader("{}"), &o, &e)
		if n > 0 && strings.Contains(o.String(), `"error"`) {
			return -len(o.String())
		}
		return len(o.String())
	}
	s200 := size(200)
	if s200 <= 0 || s200 > rpcd.Limit/2 {
		t.Errorf("status with 200 peers is %d bytes; want under half of %d", s200, rpcd.Limit)
	}
	per := (s200 - size(0)) / 200
	fits := (rpcd.Limit - size(0)) / per
	t.Logf("status: %d bytes with 200 peers (%d per peer); about %d peers fit in %d bytes", s200, per, fits, rpcd.Limit)
	big := fits + 100
	ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(device(big)), nil }
	var o, e bytes.Buffer
	Main([]string{"wgowrt", "--root", root, "call", "status"}, strings.NewReader("{}"), &o, &e)
	if !strings.Contains(o.String(), fmt.Sprintf(`"total":%d`, big)) || o.Len() > rpcd.Limit {
		t.Errorf("status of %d peers, asked unpaged, is not a first page with the total (%d bytes): %.120s", big, o.Len(), o.String())
	}
}
