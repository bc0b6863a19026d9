// Command owrtdrive boots a real OpenWrt image under qemu and drives its
// serial console like a person would: press Enter, check that the image
// has wgowrt's dependencies, install the .ipk from the package disk with
// opkg (never --nodeps), run the README's quick start, check the results
// and power off. test/qemu/openwrt.sh builds the disks and calls it.
//
//	owrtdrive -log FILE -pkgversion 1.2.3-r1 -- qemu-system-x86_64 ARGS...
//
// qemu must put the guest's serial console on stdio (-nographic).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

func main() {
	logPath := flag.String("log", "", "console log file (required)")
	pkgVersion := flag.String("pkgversion", "", "the .ipk's Version field (required)")
	boot := flag.Duration("boot-timeout", 10*time.Minute, "power-on to the console's \"Please press Enter\"")
	step := flag.Duration("step-timeout", 3*time.Minute, "each command on the console")
	wgWait := flag.Int("wg-wait", 30, "seconds to wait for wg0, before and after ifup")
	flag.Parse()
	if *logPath == "" || *pkgVersion == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: owrtdrive -log FILE -pkgversion V [flags] -- qemu-system-... ARGS")
		os.Exit(2)
	}
	if err := run(*logPath, Config{PkgVersion: *pkgVersion, BootTimeout: *boot, StepTimeout: *step, WgWait: *wgWait}, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL %v\n(console log: %s)\n", err, *logPath)
		os.Exit(1)
	}
}

func run(logPath string, cfg Config, qemu []string) error {
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	cfg.Say = func(format string, a ...any) {
		fmt.Printf(format+"\n", a...)
		fmt.Fprintf(log, "\n[owrtdrive] "+format+"\n", a...)
	}
	cmd := exec.Command(qemu[0], qemu[1:]...)
	dieWithParent(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(fmt.Errorf("qemu exited: %v", err))
		exited <- err
	}()
	start := time.Now()
	c := NewConsole(pr, in, log)
	_, derr := Drive(c, cfg)
	if derr != nil {
		_ = cmd.Process.Kill()
		<-exited
		return derr
	}
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("qemu after poweroff: %v", err)
		}
	case <-time.After(cfg.StepTimeout):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("qemu did not exit after poweroff")
	}
	cfg.Say("ok   OpenWrt session done in %s", time.Since(start).Round(time.Second))
	return nil
}
