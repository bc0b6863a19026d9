package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

const sid2 = "fedcba9876543210fedcba9876543210"

// reserved loads network from a root with an empty LuCI session sid2 and
// reserves for it a peer with a preshared key and a change to lan (which
// is not an added section, so not reserved).
func reserved(t *testing.T) (*Store, string) {
	t.Helper()
	s := tree(t, "")
	os.MkdirAll(filepath.Join(s.SessionDir, "uci-"+sid2), 0700)
	n, err := s.Load("network", false)
	if err != nil {
		t.Fatal(err)
	}
	n.NewSection("wireguard_wg0", "wgowrt_wg0_a")
	n.SetOption("wgowrt_wg0_a", "preshared_key", "c2VjcmV0")
	n.AddList(uci.Ptr{Package: "network", Section: "wgowrt_wg0_a", Option: "allowed_ips", Value: "10.8.0.2/32", HasValue: true})
	n.SetOption("lan", "mtu", "1400")
	if err := s.Reserve(sid2, []*uci.Package{n}); err != nil {
		t.Fatal(err)
	}
	return s, filepath.Join(s.ReserveDir, "reserve-"+sid2, "network.wgowrt_wg0_a")
}

// TestReservationPlannedAroundNeverCommitted: the next Load sees the
// reserved peer (its address counts as taken), not the lan change; it is
// not a /tmp/.uci pending change; a write commits only its own edit; the
// file is 0600 in a 0700 directory.
func TestReservationPlannedAroundNeverCommitted(t *testing.T) {
	s, f := reserved(t)
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0600 {
		t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(f)); di.Mode().Perm() != 0700 {
		t.Errorf("%s has mode %v, want 0700", filepath.Dir(f), di.Mode().Perm())
	}
	n, err := s.Load("network", false)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := n.Section("wgowrt_wg0_a").Get("allowed_ips"); v != "10.8.0.2/32" {
		t.Fatalf("the reserved peer is not planned around: allowed_ips %q", v)
	}
	if n.Section("lan").Option("mtu") != nil {
		t.Error("a change to an existing section was reserved")
	}
	if p := Pending(n); len(p) != 0 {
		t.Errorf("a reservation counted as pending in /tmp/.uci: %v", p)
	}
	n.NewSection("wireguard_wg0", "ours")
	if err := s.Write([]*uci.Package{n}, false); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network"))
	if strings.Contains(string(b), "wgowrt_wg0_a") || !strings.Contains(string(b), "'ours'") {
		t.Errorf("network:\n%s", b)
	}
	if _, err := os.Stat(f); err != nil {
		t.Errorf("the reservation ended with an unrelated write: %v", err)
	}
}

// TestReservationEnds: once the session staged the section, or it was
// committed, or after ReserveTTL, Load drops the reservation and its file.
func TestReservationEnds(t *testing.T) {
	for _, how := range []string{"staged", "committed", "expired", "session ended"} {
		t.Run(how, func(t *testing.T) {
			s, f := reserved(t)
			switch how {
			case "staged":
				os.WriteFile(filepath.Join(s.SessionDir, "uci-"+sid2, "network"), []byte("network.wgowrt_wg0_a='wireguard_wg0'\n|network.wgowrt_wg0_a.allowed_ips='10.8.0.2/32'\n"), 0600)
			case "committed":
				os.WriteFile(filepath.Join(s.ConfDir, "network"), []byte("config interface 'lan'\n\toption proto 'static'\nconfig wireguard_wg0 'wgowrt_wg0_a'\n\tlist allowed_ips '10.8.0.2/32'\n"), 0600)
			case "expired":
				now = func() time.Time { return time.Now().Add(ReserveTTL + time.Minute) }
				defer func() { now = time.Now }()
			case "session ended":
				os.RemoveAll(filepath.Join(s.SessionDir, "uci-"+sid2))
			}
			n, err := s.Load("network", false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(f); !os.IsNotExist(err) {
				t.Errorf("the reservation is still there: %v", err)
			}
			if _, err := os.Stat(filepath.Dir(f)); !os.IsNotExist(err) {
				t.Errorf("the empty reservation directory is still there: %v", err)
			}
			sec := n.Section("wgowrt_wg0_a")
			gone := how == "expired" || how == "session ended"
			if gone && sec != nil || !gone && sec == nil {
				t.Errorf("section after the end: %v", sec)
			}
			if how == "staged" {
				if o := sec.Option("allowed_ips"); o == nil || len(o.Values) != 1 {
					t.Errorf("staged and reserved both applied: %v", o)
				}
			}
		})
	}
}

// TestReservationWithoutSessionDirLastsTTL: a session that has staged
// nothing yet has no directory in rpcd; its reservation is kept (until
// ReserveTTL), not taken for one of an ended session.
func TestReservationWithoutSessionDirLastsTTL(t *testing.T) {
	s := tree(t, "")
	os.MkdirAll(s.SessionDir, 0700)
	n, _ := s.Load("network", false)
	n.NewSection("wireguard_wg0", "wgowrt_wg0_a")
	if err := s.Reserve(sid2, []*uci.Package{n}); err != nil {
		t.Fatal(err)
	}
	if n, _ = s.Load("network", false); n.Section("wgowrt_wg0_a") == nil {
		t.Fatal("a reservation of a session without a directory in rpcd was dropped")
	}
	now = func() time.Time { return time.Now().Add(ReserveTTL + time.Minute) }
	defer func() { now = time.Now }()
	if n, _ = s.Load("network", false); n.Section("wgowrt_wg0_a") != nil {
		t.Fatal("it outlived ReserveTTL")
	}
}

// TestReservationOwnSessionLeftOut: a session's own plans do not see its
// reservations (it may redo a cancelled dialog under the same name, and
// the newer answer replaces the file); every other planner does.
func TestReservationOwnSessionLeftOut(t *testing.T) {
	s, f := reserved(t)
	own, err := s.ctx().Load("network")
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyReserved(own, sid2)
	if own.Section("wgowrt_wg0_a") != nil {
		t.Fatal("a session's plan sees its own reservation")
	}
	if other, _ := s.Load("network", false); other.Section("wgowrt_wg0_a") == nil {
		t.Fatal("a command's plan does not see the reservation")
	}
	own.NewSection("wireguard_wg0", "wgowrt_wg0_a")
	own.AddList(uci.Ptr{Package: "network", Section: "wgowrt_wg0_a", Option: "allowed_ips", Value: "10.8.0.3/32", HasValue: true})
	if err := s.Reserve(sid2, []*uci.Package{own}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f); string(b) != "network.wgowrt_wg0_a='wireguard_wg0'\n|network.wgowrt_wg0_a.allowed_ips='10.8.0.3/32'\n" {
		t.Errorf("the newer answer did not replace the reservation: %q", b)
	}
}

// TestReservationTwoPeersInOneSession: two answers to one session before
// it stages either both stay reserved.
func TestReservationTwoPeersInOneSession(t *testing.T) {
	s, _ := reserved(t)
	n, _ := s.Load("network", false)
	n.NewSection("wireguard_wg0", "wgowrt_wg0_b")
	if err := s.Reserve(sid2, []*uci.Package{n}); err != nil {
		t.Fatal(err)
	}
	n, _ = s.Load("network", false)
	if n.Section("wgowrt_wg0_a") == nil || n.Section("wgowrt_wg0_b") == nil {
		t.Error("the second answer dropped the first reservation")
	}
}

// TestReservationKilledWhileWriting: a writer SIGKILLed between its temp
// file and the rename leaves no reservation, and its temp file is gone
// after the next Reserve (under the lock) or, once stale, the next Load.
func TestReservationKilledWhileWriting(t *testing.T) {
	if root := os.Getenv("WGOWRT_RESERVE_CHILD"); root != "" {
		s := New(root)
		n, _ := s.Load("network", false)
		n.NewSection("wireguard_wg0", "wgowrt_wg0_k")
		reserveWritten = func(path string) {
			if strings.HasPrefix(filepath.Base(path), "network.") {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
		s.Reserve(sid2, []*uci.Package{n})
		os.Exit(3)
	}
	for _, next := range []string{"reserve", "load"} {
		t.Run(next, func(t *testing.T) {
			s := tree(t, "")
			os.MkdirAll(filepath.Join(s.SessionDir, "uci-"+sid2), 0700)
			root := filepath.Dir(filepath.Dir(s.ConfDir))
			cmd := exec.Command(os.Args[0], "-test.run", "^TestReservationKilledWhileWriting$")
			cmd.Env = append(os.Environ(), "WGOWRT_RESERVE_CHILD="+root)
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v", err)
			}
			dir := filepath.Join(s.ReserveDir, "reserve-"+sid2)
			if left, _ := filepath.Glob(filepath.Join(dir, "network.*")); len(left) != 0 {
				t.Fatalf("a killed writer left a reservation: %v", left)
			}
			if tmps, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(tmps) != 1 {
				t.Fatalf("temp files after the kill: %v (the test did not kill mid-write)", tmps)
			}
			n, _ := s.Load("network", false)
			if next == "reserve" {
				if err := s.Reserve(sid2, []*uci.Package{n}); err != nil {
					t.Fatal(err)
				}
			} else {
				now = func() time.Time { return time.Now().Add(time.Minute) }
				defer func() { now = time.Now }()
				s.Load("network", false)
			}
			if tmps, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(tmps) != 0 {
				t.Errorf("the temp file survived the next %s: %v", next, tmps)
			}
		})
	}
}
