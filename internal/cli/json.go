package cli

import (
	"encoding/json"
	"io"
)

// writeJSON prints v as indented JSON. Every --json document carries a
// "version" field so scripts can detect format changes.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
