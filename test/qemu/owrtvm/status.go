package main

import (
	"encoding/json"
	"fmt"
)

// checkStatus wants, in `wgowrt --json status`, wg0 running with peer name
// holding key in state active (a recent handshake, read from the device).
func checkStatus(out, name, key string) error {
	var st struct {
		Interfaces []struct {
			Name    string `json:"name"`
			Running bool   `json:"running"`
			Peers   []struct {
				Name      string `json:"name"`
				PublicKey string `json:"public_key"`
				State     string `json:"state"`
			} `json:"peers"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	for _, i := range st.Interfaces {
		if i.Name != "wg0" {
			continue
		}
		if !i.Running {
			return fmt.Errorf("wg0 not running")
		}
		for _, p := range i.Peers {
			if p.Name == name {
				if p.PublicKey != key || p.State != "active" {
					return fmt.Errorf("peer %s: key %s state %q, want key %s state active", name, p.PublicKey, p.State, key)
				}
				return nil
			}
		}
		return fmt.Errorf("wg0 has no peer %s", name)
	}
	return fmt.Errorf("no interface wg0")
}
