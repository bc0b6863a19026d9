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

// TestWriteIsAllOrNothingAcrossFiles fails the write after network is
// committed: network must be back to its bytes and wgowrt must not exist.
func TestWriteIsAllOrNothingAcrossFiles(t *testing.T) {
	s := tree(t, "")
	before, _ := os.ReadFile(filepath.Join(s.ConfDir, "network"))
	n, w := edit(t, s)
	failAfterCommit = func(pkg string) error {
		if pkg == "wgowrt" {
			return errors.New("disk on fire")
		}
		return nil
	}
	defer func() { failAfterCommit = nil }()
	err := s.Write([]*uci.Package{n, w}, false)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(s.ConfDir, "network")); string(after) != string(before) {
		t.Errorf("network not restored:\n%s", after)
	}
	if b, err := os.ReadFile(filepath.Join(s.ConfDir, "wgowrt")); len(b) != 0 {
		t.Errorf("wgowrt left behind: %q %v", b, err)
	}
	assertClean(t, s.ConfDir, "network", "wgowrt")
}

// TestWriteRestoresCommittedPendingChanges: with --commit-pending the
// pending delta is folded into the file; a later failure must put the
// delta back too, or the user's staged edit would be lost.
func TestWriteRestoresCommittedPendingChanges(t *testing.T) {
	s := tree(t, "network.lan.proto='dhcp'\n")
	n, w := edit(t, s)
	failAfterCommit = func(pkg string) error {
		if pkg == "wgowrt" {
			return errors.New("disk on fire")
		}
		return nil
	}
	defer func() { failAfterCommit = nil }()
	if err := s.Write([]*uci.Package{n, w}, true); err == nil {
		t.Fatal("write succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(s.SaveDir, "network")); string(b) != "network.lan.proto='dhcp'\n" {
		t.Errorf("pending delta not restored: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network")); strings.Contains(string(b), "dhcp") {
		t.Errorf("network keeps the pending change after the failed write:\n%s", b)
	}
	assertClean(t, s.ConfDir, "network", "wgowrt")
}
