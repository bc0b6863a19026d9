package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent kills qemu when owrtvm dies (e.g. killed by timeout).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
