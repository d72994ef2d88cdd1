package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestSameSeedSameFiles runs scenarios twice with one seed and compares every file of the two
// results directories byte for byte: manifest, CSVs, invariants, report and figures. The hostile
// scenario exercises tampering, replays, churn and the invariant checks, whose counts must not
// depend on anything but the seed (go-mls draws its ciphertext randomness from crypto/rand).
func TestSameSeedSameFiles(t *testing.T) {
	dir := t.TempDir()
	for _, sc := range []string{"embedded:hostile", "embedded:faults"} {
		for _, out := range []string{"a", "b"} {
			if _, errOut, code := exe(t, dir, "run", sc, "--quiet", "--out", out); code != 0 {
				t.Fatalf("%s: exit %d: %s", sc, code, errOut)
			}
		}
		files := 0
		err := filepath.WalkDir(filepath.Join(dir, "a"), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Join(dir, "a"), path)
			a, _ := os.ReadFile(path)
			b, err := os.ReadFile(filepath.Join(dir, "b", rel))
			if err != nil {
				return err
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s: %s differs between two runs with the same seed", sc, rel)
			}
			files++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files < 8 {
			t.Fatalf("%s: only %d files compared", sc, files)
		}
		os.RemoveAll(filepath.Join(dir, "a"))
		os.RemoveAll(filepath.Join(dir, "b"))
	}
}
