package testenv

import (
	"os"
	"os/exec"
	"strings"
)

// Both oracle scripts end a teardown by killing every process whose
// namespace has the inode number theirs had (owrt-ns down: the network
// namespace; owrt-boot down: network, mount or PID). Once the last
// process of a namespace is gone, the kernel frees that number and hands
// it to the next namespace made anywhere: another test's router, whose
// holder or init then dies for no reason of its own. Seen as "namespace
// ... is not up" right after up; reproduced outside Go with owrt-ns down
// beside a loop of `unshare --net sleep` (4 sleepers killed in 15 downs).
// The helpers here hold the namespaces open (a descriptor of
// /proc/PID/ns/KIND keeps the namespace, and so its number) until the
// script is done.

// NSDown runs `owrt-ns down name` with its network namespace held.
// Errors are ignored (a namespace that is not up is fine).
func NSDown(tool, name string) {
	pid, _ := exec.Command(tool, "pid", name).Output()
	defer hold(strings.TrimSpace(string(pid)), "net")()
	_ = exec.Command(tool, "down", name).Run()
}

// BootStop runs `owrt-boot name down` (the container's state stays, for
// `up --keep`) with its namespaces held. It returns down's output and
// error.
func BootStop(boot, name string) ([]byte, error) {
	pid, _ := exec.Command(boot, name, "pid").Output()
	defer hold(strings.TrimSpace(string(pid)), "net", "mnt", "pid")()
	return exec.Command(boot, name, "down").CombinedOutput()
}

// hold opens pid's namespaces of the given kinds and returns what closes
// them; a pid that is empty or gone holds nothing.
func hold(pid string, kinds ...string) func() {
	var open []*os.File
	if pid != "" && !strings.ContainsAny(pid, "/.") {
		for _, k := range kinds {
			if f, err := os.Open("/proc/" + pid + "/ns/" + k); err == nil {
				open = append(open, f)
			}
		}
	}
	return func() {
		for _, f := range open {
			f.Close()
		}
	}
}
