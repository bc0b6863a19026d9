package ops

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/wg"
)

// TestLockSerializesPlanning: a planner that loaded the configuration
// holds the lock until it has committed, so a second planner waits and
// then sees the first one's peer: the two never hand out one address.
func TestLockSerializesPlanning(t *testing.T) {
	first := testOps(t)
	inside, release := make(chan bool), make(chan bool)
	keys := first.Deps.Keys
	first.Deps.Keys = func() ([wg.KeyLen]byte, error) {
		inside <- true // state loaded, plan under way
		<-release
		return keys()
	}
	done := make(chan error)
	go func() {
		_, err := first.PeerAdd(peerAdd("first"))
		done <- err
	}()
	<-inside
	second := New(first.Root)
	type answer struct {
		addrs []netipPrefix
		err   error
	}
	got := make(chan answer)
	go func() {
		_, a, err := second.NextAddresses("", "wg0")
		got <- answer{a, err}
	}()
	select {
	case a := <-got:
		t.Fatalf("the second planner did not wait for the first: %v %v", a.addrs, a.err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil || len(a.addrs) == 0 || a.addrs[0].String() != "10.8.0.3/32" {
		t.Errorf("second planner got %v %v, want 10.8.0.3/32 (10.8.0.2 went to the first)", a.addrs, a.err)
	}
}

// TestLockHeldTooLongNamesTheHolder: a use case that cannot get the lock
// gives up after LockWait with one line naming who holds it, and writes
// nothing.
func TestLockHeldTooLongNamesTheHolder(t *testing.T) {
	o := testOps(t)
	unlock, err := o.lock(true)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	before := file(t, o, "/etc/config/network")
	other := New(o.Root)
	other.LockWait = 100 * time.Millisecond
	_, err = other.PeerAdd(peerAdd("late"))
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LockError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(msg, "/var/lock/wgowrt.lock") ||
		!strings.Contains(msg, "100ms") || strings.Contains(msg, "\n") {
		t.Errorf("message %q does not name the holder, the lock and the wait on one line", msg)
	}
	if file(t, o, "/etc/config/network") != before {
		t.Error("a use case that did not get the lock wrote")
	}
}
