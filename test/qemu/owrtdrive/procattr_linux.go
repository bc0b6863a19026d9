package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills qemu when owrtdrive dies (e.g. killed by timeout).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
