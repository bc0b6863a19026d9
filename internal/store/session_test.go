package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/uci"
)

const sid = "0123456789abcdef0123456789abcdef"

// staged is what a LuCI session has staged: a peer and a change to lan.
const staged = "network.luci_peer='wireguard_wg0'\n|network.luci_peer.allowed_ips='10.8.0.2/32'\nnetwork.lan.mtu='1400'\n"

func withSession(t *testing.T) *Store {
	s := tree(t, "")
	dir := filepath.Join(s.SessionDir, "uci-"+sid)
	os.MkdirAll(dir, 0700)
	os.WriteFile(filepath.Join(dir, "network"), []byte(staged), 0600)
	// Not a session directory: ignored.
	os.MkdirAll(filepath.Join(s.SessionDir, "snapshot-delta"), 0700)
	os.WriteFile(filepath.Join(s.SessionDir, "snapshot-delta", "network"), []byte("network.lan.proto='none'\n"), 0600)
	return s
}

// TestLoadSeesLuCISessionsButNeverCommitsThem: the planner sees a staged
// peer; the write commits only our edit, leaves the session's file alone,
// and /tmp/.uci-style pending checks do not count the session.
func TestLoadSeesLuCISessionsButNeverCommitsThem(t *testing.T) {
	s := withSession(t)
	n, err := s.Load("network", false)
	if err != nil {
		t.Fatal(err)
	}
	if n.Section("luci_peer") == nil || n.Section("lan").Option("mtu") == nil {
		t.Fatal("Load does not see what the LuCI session staged")
	}
	if v, _ := n.Section("lan").Get("proto"); v != "static" {
		t.Errorf("a non-session directory was applied: proto %q", v)
	}
	if p := Pending(n); len(p) != 0 {
		t.Errorf("session changes counted as pending in /tmp/.uci: %v", p)
	}
	if st := Staged(n); len(st) != 1 || StagedNote([]*uci.Package{n}) == "" {
		t.Errorf("Staged %v", st)
	}
	n.NewSection("wireguard_wg0", "ours")
	for _, commitPending := range []bool{false, true} {
		if err := CheckPending([]*uci.Package{n}, commitPending); err != nil {
			t.Fatalf("commitPending=%v: %v", commitPending, err)
		}
	}
	if err := s.Write([]*uci.Package{n}, true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network"))
	if want := "\nconfig interface 'lan'\n\toption proto 'static'\n\nconfig wireguard_wg0 'ours'\n\n"; string(b) != want {
		t.Errorf("network:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(s.SessionDir, "uci-"+sid, "network")); string(b) != staged {
		t.Errorf("the session's staged changes were touched: %q", b)
	}
}

// TestEditingAStagedSectionIsRefused: our plan editing a section a LuCI
// session has unsaved changes to is refused, even with --commit-pending.
func TestEditingAStagedSectionIsRefused(t *testing.T) {
	s := withSession(t)
	n, err := s.Load("network", false)
	if err != nil {
		t.Fatal(err)
	}
	n.SetOption("lan", "ipaddr", "192.168.9.1")
	err = s.Write([]*uci.Package{n}, true)
	var ce *StagedConflictError
	if !errors.As(err, &ce) || len(ce.Sections) != 1 || ce.Sections[0] != "network.lan" {
		t.Fatalf("err %v, want a conflict on network.lan", err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network")); string(b) != "\nconfig interface 'lan'\n\toption proto 'static'\n" {
		t.Errorf("network written: %q", b)
	}
}
