package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

// TestConcurrentPeerAdds runs 20 `wgowrt peer add` processes and 5 rpcd
// `peer_add` calls at once against one root (twenty concurrent adds used
// to give twelve peers one /32).
//
// The CLI adds commit: all 20 peers must be there, with 20 distinct
// addresses. rpcd's peer_add writes nothing — it answers edits that LuCI
// stages in the user's session and commits on Save & Apply — so for it
// "no lost peer" means: the five calls, made one after another from one
// LuCI session that stages each answer (as one browser page does), get
// five distinct addresses, and no answer hands out an address that a
// command had already committed when the call was made. Both hold only
// because every planner holds the operations lock from loading to
// committing: without it a call can plan against a configuration a
// command is about to replace. And in all, the 25 peers get 25 distinct
// addresses: a command that plans between an answer and LuCI staging it
// (the page stages only after the answer arrives; here after a pause, as
// a user reviewing the dialog) must not commit the session's address,
// which holds because ops reserves every answer (store.Reserve).
func TestConcurrentPeerAdds(t *testing.T) {
	root := stockRoot(t)
	if _, e, code := run(t, "", "--root", root, "server", "init", "--endpoint", "vpn.example.com"); code != 0 {
		t.Fatalf("server init: %s", e)
	}
	const sid = "0123456789abcdef0123456789abcdef"
	session := filepath.Join(root, "var/run/rpcd/uci-"+sid)
	os.MkdirAll(session, 0700)

	start := make(chan struct{})
	var wg sync.WaitGroup
	cliDone := make([]time.Time, 20)
	for i := range cliDone {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			if _, e, err := spawn("", "--root", root, "peer", "add", fmt.Sprintf("c%d", i)); err != nil {
				t.Errorf("peer add c%d: %v: %s", i, err, e)
			}
			cliDone[i] = time.Now()
		}(i)
	}
	var calls []rpcdCall
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for j := 0; j < 5; j++ {
			c, err := callPeerAdd(root, session, sid, fmt.Sprintf("l%d", j))
			if err != nil {
				t.Error(err)
				return
			}
			calls = append(calls, c)
		}
	}()
	close(start)
	wg.Wait()

	committed := peerAddresses(t, root)
	if len(committed) != 20 || len(distinct(committed)) != 20 {
		t.Errorf("%d peers with %d distinct addresses committed, want 20 and 20: %v", len(committed), len(distinct(committed)), committed)
	}
	var offered []string
	for _, c := range calls {
		offered = append(offered, c.addr)
		for i, done := range cliDone {
			if done.Before(c.start) && committed["wgowrt_wg0_c"+fmt.Sprint(i)] == c.addr {
				t.Errorf("peer_add %s offered %s, committed for c%d before the call", c.name, c.addr, i)
			}
		}
	}
	if len(offered) != 5 || len(distinct(sliceMap(offered))) != 5 {
		t.Errorf("the session's five peer_add calls offered %v, want five distinct addresses", offered)
	}
	var later []string
	for _, a := range offered {
		for sec, b := range committed {
			if a == b {
				later = append(later, sec+"="+a)
			}
		}
	}
	// Every answer is reserved (store.Reserve) under the lock before LuCI
	// stages it, and every later planner plans around the reservation or
	// the staging: no command may commit an address the session holds.
	if len(later) > 0 {
		t.Errorf("commands committed addresses offered to the session: %v", later)
	}
	all := map[string]string{}
	for sec, a := range committed {
		all[sec] = a
	}
	for i, a := range offered {
		all[fmt.Sprint("session", i)] = a
	}
	if len(all) != 25 || len(distinct(all)) != 25 {
		t.Errorf("%d peers with %d distinct addresses in all, want 25 and 25: %v", len(all), len(distinct(all)), all)
	}
}

type rpcdCall struct {
	name, addr string
	start      time.Time
}

// callPeerAdd runs `wgowrt call peer_add` for session sid as rpcd does
// and stages the network edits of the answer in the session, as uci.js
// does before the next call.
func callPeerAdd(root, session, sid, name string) (rpcdCall, error) {
	c := rpcdCall{name: name, start: time.Now()}
	args := fmt.Sprintf(`{"name":%q,"ubus_rpc_session":%q}`, name, sid)
	out, e, err := spawn(args, "--root", root, "call", "peer_add")
	if err != nil {
		return c, fmt.Errorf("call peer_add %s: %v: %s", name, err, e)
	}
	var ans struct {
		Error     string   `json:"error"`
		Addresses []string `json:"addresses"`
		Edits     []struct {
			Op, Config, Section, Type string
			Values                    map[string]any
		} `json:"edits"`
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.Error != "" || len(ans.Addresses) == 0 {
		return c, fmt.Errorf("peer_add %s answered %s (%v)", name, out, err)
	}
	c.addr = ans.Addresses[0]
	time.Sleep(100 * time.Millisecond) // the user reviews the dialog
	var delta strings.Builder
	for _, ed := range ans.Edits {
		if ed.Config != "network" || ed.Op != "add" {
			continue
		}
		fmt.Fprintf(&delta, "network.%s='%s'\n", ed.Section, ed.Type)
		for k, v := range ed.Values {
			if list, ok := v.([]any); ok {
				for _, x := range list {
					fmt.Fprintf(&delta, "|network.%s.%s='%v'\n", ed.Section, k, x)
				}
			} else {
				fmt.Fprintf(&delta, "network.%s.%s='%v'\n", ed.Section, k, v)
			}
		}
	}
	f, err := os.OpenFile(filepath.Join(session, "network"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0600)
	if err != nil {
		return c, err
	}
	defer f.Close()
	_, err = f.WriteString(delta.String())
	return c, err
}

// spawn runs the binary; safe from any goroutine.
func spawn(stdin string, args ...string) (string, string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// peerAddresses maps each committed wg0 peer section to its IPv4 address.
func peerAddresses(t *testing.T, root string) map[string]string {
	ctx := &uci.Context{ConfDir: filepath.Join(root, "etc/config")}
	n, err := ctx.LoadFile("network")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range n.SectionsOfType("wireguard_wg0") {
		if o := s.Option("allowed_ips"); o != nil && len(o.Values) > 0 {
			out[s.Name] = o.Values[0]
		}
	}
	return out
}

func distinct(m map[string]string) []string {
	seen := map[string]bool{}
	for _, v := range m {
		seen[v] = true
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func sliceMap(s []string) map[string]string {
	m := map[string]string{}
	for i, v := range s {
		m[fmt.Sprint(i)] = v
	}
	return m
}

// stockRoot is a copy of the stock OpenWrt configuration the golden
// tests start from.
func stockRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/config"), 0755)
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile("../../internal/cli/testdata/wg/roots/stock/etc/config/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "etc/config", f), b, 0644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
