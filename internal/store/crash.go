package store

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

// CrashEnv names the fault-injection switch of the crash tests
// (test/crash): with WGOWRT_TEST_CRASH_AT=N in its environment, wgowrt
// kills itself with SIGKILL just before the Nth step that changes a file
// (creating, writing, syncing, renaming, linking or removing one) in the
// store and the uci package, counting from the start of the process. Unset
// (as it always is on a router), nothing is counted. It exists so that the
// tests can kill the real binary at every step of every command and check
// that the next run converges.
const CrashEnv = "WGOWRT_TEST_CRASH_AT"

var crashAt, crashSteps int

func init() {
	if n, err := strconv.Atoi(os.Getenv(CrashEnv)); err == nil && n > 0 {
		crashAt = n
		uci.SetFaultHook(step)
	}
}

// step is called before each change to a file; it is where the crash
// tests kill the process.
func step(op, path string) {
	if crashAt == 0 {
		return
	}
	if crashSteps++; crashSteps == crashAt {
		fmt.Fprintf(os.Stderr, "wgowrt: %s=%d: killed before %s %s\n", CrashEnv, crashAt, op, path)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// sigHold defers SIGINT, SIGHUP and SIGTERM from start to stop (the
// commit window: a Ctrl-C there would otherwise stop the process between
// two renames); one that arrived meanwhile is then delivered again, so the
// process still stops, after the commit. The zero value is ready; stop
// without start does nothing.
type sigHold struct{ ch chan os.Signal }

func (h *sigHold) start() {
	if h.ch == nil {
		h.ch = make(chan os.Signal, 3)
		signal.Notify(h.ch, syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
	}
}

func (h *sigHold) stop() {
	if h.ch == nil {
		return
	}
	signal.Stop(h.ch)
	select {
	case sig := <-h.ch:
		// Delivered asynchronously: wait for it, unless another handler
		// (a Notify elsewhere) takes it and we go on.
		syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		time.Sleep(time.Second)
	default:
	}
	h.ch = nil
}
