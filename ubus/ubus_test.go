package ubus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFakeAnswersFromFilesAndRecords(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "network.interface~dump.json"), []byte(`{"interface":[{"interface":"lan","up":true,"ipv4-address":[{"address":"192.168.1.1","mask":24}],"route":[{"target":"10.9.0.0","mask":16}]}]}`), 0644)
	os.WriteFile(filepath.Join(dir, "network~reload.error"), []byte("Permission denied\n"), 0644)
	f := &Fake{Dir: dir}
	ifs, err := InterfaceDump(f)
	if err != nil || len(ifs) != 1 || ifs[0].Name != "lan" {
		t.Fatalf("dump: %v %+v", err, ifs)
	}
	if got := LivePrefixes(ifs); len(got) != 2 || got[0].String() != "192.168.1.1/24" || got[1].String() != "10.9.0.0/16" {
		t.Errorf("prefixes %v", got)
	}
	if err := NetworkReload(f); err == nil || !strings.Contains(err.Error(), "Permission denied") {
		t.Errorf("reload error %v", err)
	}
	if err := ConfigChanged(f, "firewall"); err != nil {
		t.Error(err)
	}
	want := `network.interface dump {}|network reload {}|service event {"data":{"package":"firewall"},"type":"config.change"}`
	if got := strings.Join(f.Calls(), "|"); got != want {
		t.Errorf("calls %s", got)
	}
}

func TestExecRunsUbusCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ubus")
	// A stand-in ubus(1) that echoes its arguments as JSON, or fails.
	os.WriteFile(script, []byte("#!/bin/sh\n[ \"$3\" = bad ] && { echo 'Command failed: Not found' >&2; exit 4; }\nprintf '{\"args\":\"%s %s %s %s %s\"}\\n' \"$@\"\n"), 0755)
	e := &Exec{Path: script}
	out, err := e.Call("network.interface.wg0", "renew", nil)
	if err != nil || string(out) != `{"args":"-S call network.interface.wg0 renew {}"}` {
		t.Errorf("got %s %v", out, err)
	}
	if _, err := e.Call("bad", "x", nil); err == nil || !strings.Contains(err.Error(), "Not found") {
		t.Errorf("error %v", err)
	}
}
