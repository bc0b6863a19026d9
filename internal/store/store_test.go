package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/uci"
)

func tree(t *testing.T, pending string) *Store {
	root := t.TempDir()
	s := New(root)
	os.MkdirAll(s.ConfDir, 0755)
	os.WriteFile(filepath.Join(s.ConfDir, "network"), []byte("\nconfig interface 'lan'\n\toption proto 'static'\n"), 0600)
	if pending != "" {
		os.MkdirAll(s.SaveDir, 0700)
		os.WriteFile(filepath.Join(s.SaveDir, "network"), []byte(pending), 0600)
	}
	return s
}

func edit(t *testing.T, s *Store) (*uci.Package, *uci.Package) {
	n, err := s.Load("network", false)
	if err != nil {
		t.Fatal(err)
	}
	n.SetOption("lan", "ipaddr", "192.168.1.1")
	w, err := s.Load("wgowrt", true)
	if err != nil {
		t.Fatal(err)
	}
	w.NewSection("server", "wg0")
	return n, w
}

func TestWriteRefusesPendingAndWritesNothing(t *testing.T) {
	s := tree(t, "network.lan.proto='dhcp'\n")
	n, w := edit(t, s)
	err := s.Write([]*uci.Package{n, w}, false)
	var pe *PendingError
	if !errors.As(err, &pe) || len(pe.Packages) != 1 || pe.Packages[0] != "network" {
		t.Fatalf("err %v, want PendingError for network", err)
	}
	if _, err := os.Stat(filepath.Join(s.ConfDir, "wgowrt")); err == nil {
		t.Error("wgowrt written although the write was refused")
	}
	if b, _ := os.ReadFile(filepath.Join(s.SaveDir, "network")); string(b) != "network.lan.proto='dhcp'\n" {
		t.Errorf("pending delta changed: %q", b)
	}
}

func TestWriteCommitsPendingWhenAskedAndKeepsModes(t *testing.T) {
	s := tree(t, "network.lan.proto='dhcp'\n")
	n, w := edit(t, s)
	if err := s.Write([]*uci.Package{n, w}, true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network"))
	if string(b) != "\nconfig interface 'lan'\n\toption proto 'dhcp'\n\toption ipaddr '192.168.1.1'\n\n" {
		t.Errorf("network:\n%s", b)
	}
	if d, _ := os.ReadFile(filepath.Join(s.SaveDir, "network")); len(d) != 0 {
		t.Errorf("delta not emptied: %q", d)
	}
	for _, f := range []string{"network", "wgowrt"} {
		if st, _ := os.Stat(filepath.Join(s.ConfDir, f)); st.Mode().Perm() != 0600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(s.SaveDir, "wgowrt")); err == nil {
		t.Error("a delta file was created for wgowrt, which had nothing pending")
	}
}

func TestWriteWithoutPendingLeavesSaveDirAlone(t *testing.T) {
	s := tree(t, "")
	n, w := edit(t, s)
	if err := s.Write([]*uci.Package{n, w}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.SaveDir); err == nil {
		t.Error("/tmp/.uci was created")
	}
}

// TestWriteFailureAfterFirstFileIsFinishedByNextLoad fails the write
// after network is renamed: the error says so, and the next Load finishes
// it (wgowrt written too), leaving no journal or temporary file.
func TestWriteFailureAfterFirstFileIsFinishedByNextLoad(t *testing.T) {
	s := tree(t, "")
	n, w := edit(t, s)
	n.NewSection("interface", "wg0")
	n.SetOption("wg0", "private_key", "secret")
	failAfterCommit = func(pkg string) error {
		if pkg == "network" {
			return errors.New("disk on fire")
		}
		return nil
	}
	defer func() { failAfterCommit = nil }()
	err := s.Write([]*uci.Package{n, w}, false)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "next wgowrt command finishes") {
		t.Fatalf("err %v", err)
	}
	failAfterCommit = nil
	assertWritten(t, New(filepath.Dir(filepath.Dir(s.ConfDir))), "")
}

// TestWriteFailureKeepsCommittedPendingChanges: with --commit-pending the
// pending delta is folded into the file; after a failure midway the next
// Load finishes the write, and the folded lines leave the delta file
// exactly once (a line staged since is kept).
func TestWriteFailureKeepsCommittedPendingChanges(t *testing.T) {
	s := tree(t, "network.lan.proto='dhcp'\n")
	n, w := edit(t, s)
	n.NewSection("interface", "wg0")
	n.SetOption("wg0", "private_key", "secret")
	failAfterCommit = func(pkg string) error {
		if pkg == "network" {
			return errors.New("disk on fire")
		}
		return nil
	}
	defer func() { failAfterCommit = nil }()
	if err := s.Write([]*uci.Package{n, w}, true); err == nil {
		t.Fatal("write succeeded")
	}
	failAfterCommit = nil
	f, _ := os.OpenFile(filepath.Join(s.SaveDir, "network"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("network.lan.mtu='1400'\n")
	f.Close()
	assertWritten(t, New(filepath.Dir(filepath.Dir(s.ConfDir))), "dhcp")
	if b, _ := os.ReadFile(filepath.Join(s.SaveDir, "network")); string(b) != "network.lan.mtu='1400'\n" {
		t.Errorf("delta after recovery: %q", b)
	}
}
