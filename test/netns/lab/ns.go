package lab

import (
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// NS is one host of a lab: a network namespace.
type NS struct {
	Name string // logical name given by the test
	Path string // name under /run/netns
	lab  *Lab
}

// Lab is the lab the namespace belongs to.
func (n *NS) Lab() *Lab { return n.lab }

// Command returns an exec.Cmd that runs args inside the namespace.
func (n *NS) Command(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Path}, args...)...)
}

// Run runs args inside the namespace and returns its combined output.
func (n *NS) Run(args ...string) (string, error) {
	out, err := n.Command(args...).CombinedOutput()
	if err != nil {
		return string(out), errorf("%s: %s: %v: %s", n.Name, cmdline(args), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// RunStdin is Run with stdin fed from input (used for `nft -f -`).
func (n *NS) RunStdin(input string, args ...string) (string, error) {
	cmd := n.Command(args...)
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), errorf("%s: %s: %v: %s", n.Name, cmdline(args), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// MustRun is Run that fails the test on error.
func (n *NS) MustRun(args ...string) string {
	n.lab.t.Helper()
	out, err := n.Run(args...)
	if err != nil {
		n.lab.t.Fatal(err)
	}
	return out
}

// Do runs fn on an OS thread that has entered the namespace. Sockets created
// by fn stay in the namespace after Do returns, which is how the lab's Go
// echo servers and clients live "inside" a host without a helper process.
func (n *NS) Do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + n.Path)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return errorf("setns %s: %w", n.Name, err)
	}
	fnErr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the wrong namespace: keep it locked so
		// the runtime discards it when this goroutine exits.
		return errorf("setns back from %s: %w", n.Name, err)
	}
	runtime.UnlockOSThread()
	return fnErr
}

// Sysctl writes /proc/sys/<key> (dots as separators) inside the namespace.
func (n *NS) Sysctl(key, value string) error {
	_, err := n.Run("sysctl", "-q", "-w", key+"="+value)
	return err
}
