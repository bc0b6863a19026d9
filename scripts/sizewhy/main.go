// Command sizewhy prints which Go packages take the space in an unstripped
// ELF binary: the sizes of its symbols that occupy bytes in the file (not
// .bss), summed per package, biggest first.
//
//	go run ./scripts/sizewhy [-n 20] BINARY
package main

import (
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	n := flag.Int("n", 20, "how many packages to print")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: sizewhy [-n N] BINARY")
		os.Exit(2)
	}
	sums, err := packageSizes(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizewhy:", err)
		os.Exit(1)
	}
	for i, p := range sorted(sums) {
		if i == *n {
			break
		}
		fmt.Printf("%10d  %s\n", sums[p], p)
	}
}

// packageSizes sums symbol sizes per package over sections stored in the file.
func packageSizes(path string) (map[string]uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	sums := map[string]uint64{}
	for _, s := range syms {
		if int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Type != elf.SHT_PROGBITS {
			continue
		}
		sums[packageOf(s.Name)] += s.Size
	}
	return sums, nil
}

// packageOf returns the import path of a Go symbol name: everything up to
// the first "." after the last "/" ("net/netip.Addr.String" -> "net/netip").
func packageOf(name string) string {
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return "(other)"
	}
	return name[:slash+1+dot]
}

func sorted(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	return keys
}
