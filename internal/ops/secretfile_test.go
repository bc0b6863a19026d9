package ops

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretFileIsNewNotTrusted: a file planted at the target keeps
// neither its content, its mode nor its readers: a descriptor opened on
// it before never sees the secret, and the result is a new 0600 file.
func TestSecretFileIsNewNotTrusted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "phone.conf")
	os.WriteFile(path, []byte("planted"), 0644)
	spy, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	if err := WriteSecretFile(path, []byte("PrivateKey = secret\n")); err != nil {
		t.Fatal(err)
	}
	seen, _ := io.ReadAll(spy)
	if string(seen) != "planted" {
		t.Errorf("a descriptor opened before the write reads %q", seen)
	}
	st, err := os.Lstat(path)
	if err != nil || st.Mode() != 0600 {
		t.Errorf("mode %v (%v), want a regular 0600 file", st.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "PrivateKey = secret\n" {
		t.Errorf("content %q", b)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestSecretFileReplacesSymlink: a symlink at the target is replaced,
// not followed: the file it points to is untouched.
func TestSecretFileReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep me"), 0644)
	path := filepath.Join(dir, "out.conf")
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if err := WriteSecretFile(path, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the symlink was followed: victim now %q", b)
	}
	if st, _ := os.Lstat(path); st.Mode()&os.ModeSymlink != 0 {
		t.Error("the target is still a symlink")
	}
}

// TestSecretFileRefusesOpenDirectory: a directory anyone may write to
// without the sticky bit is refused (anyone could swap the file after
// it is written); with the sticky bit (/tmp) it is fine.
func TestSecretFileRefusesOpenDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "open")
	os.Mkdir(dir, 0755)
	os.Chmod(dir, 0777)
	err := WriteSecretFile(filepath.Join(dir, "k"), []byte("secret"))
	if err == nil || !strings.Contains(err.Error(), "world-writable") || !strings.Contains(err.Error(), dir) {
		t.Errorf("got %v, want a refusal naming %s", err, dir)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("files written into the refused directory: %v", ents)
	}
	os.Chmod(dir, 0777|os.ModeSticky)
	if err := WriteSecretFile(filepath.Join(dir, "k"), []byte("secret")); err != nil {
		t.Errorf("sticky directory: %v", err)
	}
}
