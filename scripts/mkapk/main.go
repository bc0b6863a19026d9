// Command mkapk writes apk-tools v3 packages and signed repository indexes
// (OpenWrt 25.12+) without apk-tools: see scripts/internal/adb.
//
//	mkapk pkg -o OUT.apk --name N --version V --arch A --files DIR [--mtime EPOCH]
//	          [--description D] [--license L] [--origin O] [--url U] [--maintainer M]
//	          [--depends "a b"] [--provides "x"] [--script post-install=FILE ...]
//	mkapk index -o packages.adb [--sign KEY.pem] [--description D] PKG.apk...
//
// MKAPK_GZIP=gzip compresses with gzip(1)'s deflate instead of Go's.
// Output is written to a temporary file beside OUT and renamed into place,
// so a failure or a kill leaves no partial file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/scripts/internal/adb"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	// MKAPK_GZIP=gzip: compress with gzip(1)'s deflate (smaller than Go's).
	if gz := os.Getenv("MKAPK_GZIP"); gz != "" {
		adb.Deflate = adb.GzipDeflate(gz)
	}
	var err error
	switch os.Args[1] {
	case "pkg":
		err = pkg(os.Args[2:])
	case "index":
		err = index(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkapk:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: mkapk pkg -o OUT.apk --name N --version V --arch A --files DIR [options]\n       mkapk index -o packages.adb [--sign KEY.pem] PKG.apk...")
	os.Exit(2)
}

type scripts map[string][]byte

func (s scripts) String() string { return "" }
func (s scripts) Set(v string) error {
	name, file, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("--script %q: want NAME=FILE, e.g. post-install=./postinst", v)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s[name] = b
	return nil
}

// apkVersion is apk's version syntax: N(.N)*[a-z]?(_suffix[N])*(~hash)?(-rN)?
var apkVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(~[0-9a-f]+)?(-r[0-9]+)?$`)

func pkg(args []string) error {
	fs := flag.NewFlagSet("mkapk pkg", flag.ContinueOnError)
	var p adb.Package
	p.Scripts = scripts{}
	out := fs.String("o", "", "output .apk")
	fs.StringVar(&p.Name, "name", "", "package name")
	fs.StringVar(&p.Version, "version", "", "version (apk syntax, e.g. 1.2.3-r1)")
	fs.StringVar(&p.Arch, "arch", "", "architecture (noarch for all)")
	fs.StringVar(&p.Description, "description", "", "description")
	fs.StringVar(&p.License, "license", "", "license")
	fs.StringVar(&p.Origin, "origin", "", "origin (source package)")
	fs.StringVar(&p.URL, "url", "", "project URL")
	fs.StringVar(&p.Maintainer, "maintainer", "", "maintainer")
	fs.StringVar(&p.Root, "files", "", "directory tree to pack")
	depends := fs.String("depends", "", "space-separated dependency names")
	provides := fs.String("provides", "", "space-separated provided names")
	mtime := fs.String("mtime", "0", "mtime of every file (seconds since the epoch)")
	fs.Var(scripts(p.Scripts), "script", "NAME=FILE (post-install, pre-deinstall, ...), repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || p.Root == "" || fs.NArg() != 0 {
		return fmt.Errorf("-o and --files are required and nothing else may follow the options")
	}
	if !adb.ValidName(p.Name) {
		return fmt.Errorf("--name %q is not a valid apk package name ([A-Za-z0-9][A-Za-z0-9.+_-]*)", p.Name)
	}
	if !apkVersion.MatchString(p.Version) {
		return fmt.Errorf("--version %q is not a valid apk version (e.g. 1.2.3-r1 or 1.2.3_git20260101-r1)", p.Version)
	}
	if !adb.ValidName(p.Arch) {
		return fmt.Errorf("--arch %q is not a valid architecture name", p.Arch)
	}
	m, err := strconv.ParseUint(*mtime, 10, 32)
	if err != nil {
		return fmt.Errorf("--mtime %q: want seconds since the epoch", *mtime)
	}
	p.Mtime = uint32(m)
	p.Depends, p.Provides = strings.Fields(*depends), strings.Fields(*provides)
	for _, d := range append(p.Depends, p.Provides...) {
		if !adb.ValidName(d) {
			return fmt.Errorf("dependency %q is not a valid package name", d)
		}
	}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	return writeFile(*out, b.Bytes())
}

func index(args []string) error {
	fs := flag.NewFlagSet("mkapk index", flag.ContinueOnError)
	out := fs.String("o", "", "output index (packages.adb)")
	keyFile := fs.String("sign", "", "PEM private key to sign with")
	desc := fs.String("description", "", "index description")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	var key *adb.Key
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		if key, err = adb.ParseKey(b); err != nil {
			return fmt.Errorf("%s: %w", *keyFile, err)
		}
	}
	var pkgs [][]byte
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, b)
	}
	var b bytes.Buffer
	if err := adb.WriteIndex(&b, *desc, pkgs, key); err != nil {
		return err
	}
	return writeFile(*out, b.Bytes())
}

// writeFile replaces path atomically (temp file in the same directory,
// fsync, rename), mode 0644.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mkapk-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
