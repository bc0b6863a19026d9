package uci

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/testenv"
)

// A delta file can vanish between Load and Commit (another process
// committed or reverted it, or a reboot emptied /tmp). libuci's commit
// then reloads the file, finds no staged change and writes nothing, exit
// 0 (uci_load_delta_file ignores a missing file); its own unsaved changes
// are saved first, so they alone are committed. Commit does the same, and
// the package it returns is what the file holds, without the staged
// change that is gone. The oracle case below checks libuci does this.

const stagedMTU = "network.lan.mtu='1400'\n"

// vanishCase is the file each way leaves: with own a change of the
// committer's own (ipaddr) is made after the delta vanished.
func ourVanish(t *testing.T, own bool) string {
	t.Helper()
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0644)
	os.MkdirAll(c.SaveDir, 0700)
	os.WriteFile(c.DeltaPath("network"), []byte(stagedMTU), 0600)
	p, err := c.Load("network")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Section("lan").Get("mtu"); v != "1400" {
		t.Fatalf("the staged change was not loaded: mtu %q", v)
	}
	os.Remove(c.DeltaPath("network"))
	if own {
		if _, err := p.Set(Ptr{Package: "network", Section: "lan", Option: "ipaddr", Value: "10.0.0.1", HasValue: true}); err != nil {
			t.Fatal(err)
		}
	}
	np, err := c.Commit(p)
	if err != nil {
		t.Fatalf("own %v: commit: %v", own, err)
	}
	if v, ok := np.Section("lan").Get("mtu"); ok {
		t.Errorf("own %v: the returned package has the vanished mtu %q", own, v)
	}
	return readString(t, c.Path("network"))
}

func TestCommitAfterDeltaVanished(t *testing.T) {
	if got := ourVanish(t, false); got != netConf {
		t.Errorf("nothing staged any more: file %q, want it untouched", got)
	}
	want := "\nconfig interface 'lan'\n\toption proto 'static'\n\toption ipaddr '10.0.0.1'\n\n"
	if got := ourVanish(t, true); got != want {
		t.Errorf("own change after the delta vanished: file %q, want %q", got, want)
	}
}

// TestCommitAfterDeltaVanishedLikeLibuci runs the same with the oracle's
// uci: `uci batch` loads network (show), the delta file is removed, then
// the batch commits. uci's output is buffered, so the moment network is
// loaded is seen from a commit of another package (marker) that follows
// it. Cost: two uci processes, well under a second.
func TestCommitAfterDeltaVanishedLikeLibuci(t *testing.T) {
	root := os.Getenv("OWRT_ORACLE")
	if root == "" {
		root = "/opt/owrt-oracle"
	}
	bin := filepath.Join(root, "usr/bin/uci")
	if _, err := os.Stat(bin); err != nil {
		testenv.SkipOrFail(t, "no oracle uci at "+bin+" (set OWRT_ORACLE)")
	}
	for _, own := range []bool{false, true} {
		got := libuciVanish(t, bin, own)
		if want := ourVanish(t, own); strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("own %v: libuci leaves %q, we leave %q", own, got, want)
		}
	}
}

func libuciVanish(t *testing.T, bin string, own bool) string {
	t.Helper()
	dir := t.TempDir()
	conf, save := filepath.Join(dir, "config"), filepath.Join(dir, "save")
	os.MkdirAll(conf, 0755)
	os.MkdirAll(save, 0700)
	os.WriteFile(filepath.Join(conf, "network"), []byte(netConf), 0644)
	os.WriteFile(filepath.Join(conf, "marker"), nil, 0644)
	os.WriteFile(filepath.Join(save, "network"), []byte(stagedMTU), 0600)
	cmd := exec.Command(bin, "-c", conf, "-t", save, "batch")
	in, _ := cmd.StdinPipe()
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	fmt.Fprintln(in, "show network\nset marker.m=loaded\ncommit marker")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(readString(t, filepath.Join(conf, "marker")), "loaded") {
		if time.Now().After(deadline) {
			t.Fatal("uci batch did not get to commit marker")
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.Remove(filepath.Join(save, "network"))
	if own {
		fmt.Fprintln(in, "set network.lan.ipaddr=10.0.0.1")
	}
	fmt.Fprintln(in, "commit network")
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("own %v: uci batch: %v", own, err)
	}
	b, err := os.ReadFile(filepath.Join(conf, "network"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
