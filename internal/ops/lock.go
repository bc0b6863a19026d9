package ops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockPath is the operations lock: every use case holds it exclusively
// from loading the configuration to committing (and applying) its plan,
// so two planners never hand out the same address. The CLI, the rpcd
// bridge and `sync` all take it. /var/lock is a tmpfs on OpenWrt, so a
// reboot never leaves it held; flock is released by the kernel when the
// holder dies, so a killed wgowrt never leaves it held either.
const LockPath = "/var/lock/wgowrt.lock"

// DefaultLockWait is how long a use case waits for the lock: longer than
// any commit with its reload takes, shorter than rpcd's exec timeout.
const DefaultLockWait = 15 * time.Second

// lockPoll is how often a waiting use case tries again.
const lockPoll = 20 * time.Millisecond

// LockError says the lock was held too long, and by whom.
type LockError struct {
	Path   string
	Wait   time.Duration
	Holder string
}

func (e *LockError) Error() string {
	who := "another wgowrt"
	if e.Holder != "" {
		who = e.Holder
	}
	return fmt.Sprintf("%s has held %s for more than %s; wait for it to finish and try again", who, e.Path, e.Wait)
}

// lock takes the operations lock, waiting up to o.LockWait, and returns
// the function that releases it. A use case that writes nothing (a read,
// a preview, --dry-run) does not create the lock's directory: a copy of
// a router's files without /var/lock (examples/router, a backup) is no
// running router, and it is left as it was.
func (o *Ops) lock(writes bool) (func(), error) {
	path := o.Path(LockPath)
	if !writes {
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return func() {}, nil
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0755); err != nil {
		return nil, fmt.Errorf("creating the lock directory: %v", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0600)
	if errors.Is(err, os.ErrPermission) {
		// Someone else's lock file (root's, read by a user's read-only
		// command): flock needs no write access.
		f, err = os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the lock %s: %v", path, unwrapPath(err))
	}
	deadline := time.Now().Add(o.LockWait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %v", path, err)
		}
		if time.Now().After(deadline) {
			holder := lockHolder(f)
			f.Close()
			return nil, &LockError{Path: path, Wait: o.LockWait, Holder: holder}
		}
		time.Sleep(lockPoll)
	}
}

// lockHolder names the process holding f's flock ("wgowrt peer add
// phone (pid 1234)"), from /proc/locks; "" when it cannot be told.
func lockHolder(f *os.File) string {
	var st syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &st) != nil {
		return ""
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	ino := ":" + strconv.FormatUint(uint64(st.Ino), 10)
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		// 1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF
		if len(fs) < 8 || fs[1] != "FLOCK" || !strings.HasSuffix(fs[5], ino) {
			continue
		}
		return describePid(fs[4])
	}
	return ""
}

// describePid is a process's command line and pid.
func describePid(pid string) string {
	cmd, err := os.ReadFile("/proc/" + pid + "/cmdline")
	if err != nil || len(cmd) == 0 {
		return "process " + pid
	}
	args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	args[0] = filepath.Base(args[0])
	line := strings.Join(args, " ")
	if len(line) > 80 {
		line = line[:77] + "..."
	}
	return fmt.Sprintf("'%s' (pid %s)", line, pid)
}
