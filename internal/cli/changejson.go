package cli

import (
	"bytes"
	"encoding/json"
	"maps"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// changeDoc is the --json document (version 1) of a command that changes
// the configuration, the same for a dry run and a real run:
//
//	version   1
//	command   the command's words ("server remove")
//	dry_run   true for --dry-run: nothing was written
//	changed   the command has (dry run: would have) edits
//	written   the edits were committed
//	changes   the edits as `uci changes` prints them, secrets hidden
//	files     per file with edits ("network", "firewall", "wgowrt", "dhcp"):
//	          {"added","removed","changed": [section], "renamed": [{"from","to"}]}
//	          (anonymous sections as `uci show` names them, @rule[3])
//	warnings, notes, info, applied   what the text output says on stderr
//	pending   the change waiting for 'wgowrt confirm' (as in status), or null
//
// Commands add their own facts (extra): e.g. iface, role and dns for the
// role removals, found for adopt, sites for site add/set.
func changeDoc(env *Env, out *ops.Outcome, extra map[string]any) map[string]any {
	d := map[string]any{"version": 1, "command": env.command, "dry_run": out.Preview, "changed": out.Changed,
		"written": out.Wrote, "changes": orEmpty(out.Changes), "files": orNoFiles(out.Files),
		"warnings": orEmpty(out.Warnings), "notes": []string{}, "info": []string{}, "applied": orEmpty(out.Applied),
		"pending": out.Pending}
	if r := out.Plan; r != nil {
		d["warnings"] = append(orEmpty(out.Warnings), r.Warnings...)
		d["notes"], d["info"] = orEmpty(r.Notes), orEmpty(r.Info)
	}
	maps.Copy(d, extra)
	return d
}

func orNoFiles(f map[string]*ops.FileChanges) map[string]*ops.FileChanges {
	if f == nil {
		return map[string]*ops.FileChanges{}
	}
	return f
}

// reportChange is report for a command whose --json output is the change
// document alone: printed for a dry run and a real run alike, never when
// the command failed (its error is on stderr, the exit status non-zero).
func reportChange(env *Env, out *ops.Outcome, err error, extra map[string]any) error {
	if err = reportWith(env, out, err, extra); done(env, err) || !env.JSON || out == nil {
		return err
	}
	return writeJSON(env.Stdout, changeDoc(env, out, extra))
}

// printWithChange prints a command's own document (print: the one `show`
// prints too) after a real run; with --json it is merged into the change
// document, so that every configuration-changing command answers with its
// fields (server init: its serverJSON fields besides the change's).
func printWithChange(env *Env, out *ops.Outcome, print func(*Env) error) error {
	if !env.JSON {
		return print(env)
	}
	var buf bytes.Buffer
	e := *env
	e.Stdout = &buf
	if err := print(&e); err != nil {
		return err
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var own map[string]any
	if err := dec.Decode(&own); err != nil {
		return err
	}
	return writeJSON(env.Stdout, changeDoc(env, out, own))
}
