package plan

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// TestPurity keeps plan and wg free of side effects: no files, processes,
// sockets, clock or randomness (keys and names come in as arguments).
func TestPurity(t *testing.T) {
	forbidden := map[string]bool{"os": true, "os/exec": true, "syscall": true, "time": true, "crypto/rand": true, "math/rand": true, "net/http": true,
		"github.com/wgowrt/wgowrt/internal/store": true, "github.com/wgowrt/wgowrt/internal/system": true, "github.com/wgowrt/wgowrt/ubus": true, "github.com/wgowrt/wgowrt/internal/wgdev": true}
	for _, dir := range []string{".", "../wg"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range af.Imports {
				if p, _ := strconv.Unquote(im.Path.Value); forbidden[p] {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
