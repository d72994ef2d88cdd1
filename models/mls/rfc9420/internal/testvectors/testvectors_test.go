package testvectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirResolution(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		wantErr bool
	}{
		{"missing-override-fails", filepath.Join(t.TempDir(), "absent"), true},
		{"existing-override", t.TempDir(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvVar, tc.env)
			dir, err := Dir()
			if (err != nil) != tc.wantErr {
				t.Fatalf("Dir() = %q, %v", dir, err)
			}
		})
	}
	t.Run("default-is-beside-repo", func(t *testing.T) {
		t.Setenv(EnvVar, "")
		wd, _ := os.Getwd()
		root, err := repoRoot(wd)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(root, "..", "shared", "mls-test-vectors")
		dir, err := Dir()
		if err != nil {
			// The default location is required for the conformance tests: report it, do not skip.
			t.Fatalf("default vector directory %s: %v", want, err)
		}
		if dir != want {
			t.Fatalf("Dir() = %s, want %s", dir, want)
		}
	})
}

func TestHexAndTally(t *testing.T) {
	var v struct {
		A Hex `json:"a"`
		B Hex `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":"00ff","b":null}`), &v); err != nil || len(v.A) != 2 || v.B != nil {
		t.Fatalf("%v %x %x", err, v.A, v.B)
	}
	if err := json.Unmarshal([]byte(`{"a":"zz"}`), &v); err == nil {
		t.Fatal("bad hex accepted")
	}
	var tl Tally
	tl.Pass("f", 1)
	tl.Pass("f", 1)
	tl.Fail("f", 2)
	tl.Unsupported("f", 4)
	if p, f, u := tl.Counts("f"); p != 2 || f != 1 || u != 1 {
		t.Fatalf("counts %d %d %d", p, f, u)
	}
	if s := tl.Summary(); !strings.Contains(s, "unsupported=1(s4:1)") {
		t.Fatalf("summary %q", s)
	}
}
