//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// console mounts devtmpfs and makes /dev/console our stdin/stdout/stderr:
// the initramfs carries no device nodes, so the kernel could not open one.
func console() error {
	if err := os.MkdirAll("/dev", 0o755); err != nil {
		return err
	}
	if err := unix.Mount("devtmpfs", "/dev", "devtmpfs", 0, ""); err != nil && err != unix.EBUSY {
		return fmt.Errorf("mount devtmpfs: %w", err)
	}
	fd, err := unix.Open("/dev/console", unix.O_RDWR, 0)
	if err != nil {
		return err
	}
	for _, n := range []int{0, 1, 2} {
		if err := unix.Dup3(fd, n, 0); err != nil {
			return err
		}
	}
	return nil
}

func mounts() error {
	for _, m := range []struct{ src, dir, fs string }{
		{"proc", "/proc", "proc"}, {"sysfs", "/sys", "sysfs"}, {"tmpfs", "/tmp", "tmpfs"},
	} {
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.src, m.dir, m.fs, 0, ""); err != nil {
			return fmt.Errorf("mount %s: %w", m.dir, err)
		}
	}
	return nil
}

// loadModules loads the modules listed in order (dependencies first) in
// /modules/order; kernels with WireGuard built in ship an empty list.
func loadModules() ([]string, error) {
	f, err := os.Open("/modules/order")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var loaded []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path := strings.TrimSpace(sc.Text())
		if path == "" {
			continue
		}
		if err := finitModule(path); err != nil {
			return loaded, err
		}
		loaded = append(loaded, strings.TrimSuffix(path[strings.LastIndexByte(path, '/')+1:], ".ko"))
	}
	return loaded, sc.Err()
}

func finitModule(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.FinitModule(fd, "", 0); err != nil && err != unix.EEXIST {
		return fmt.Errorf("insmod %s: %w", path, err)
	}
	return nil
}

func powerOff() {
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {} // pid 1 must not exit: that would panic the kernel
}
