package testvectors

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// EnvVar names the environment variable that overrides the vector directory.
const EnvVar = "MLS_TEST_VECTORS"

// Dir returns the vector directory (see the package doc) and checks that it exists.
func Dir() (string, error) {
	dir := os.Getenv(EnvVar)
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		root, err := repoRoot(wd)
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "mls-test-vectors")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("test vector directory: %w (set %s or provide ../shared/mls-test-vectors beside the repository)", err, EnvVar)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("test vector path %s is not a directory", dir)
	}
	return dir, nil
}

func repoRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("no go.mod above " + dir)
		}
		d = parent
	}
}

// Load decodes the named vector file (e.g. "tree-math.json") into v, failing t on any error.
func Load(t testing.TB, name string, v any) {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("reading test vectors: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

// Hex is binary data carried as a hex string in JSON; JSON null decodes to nil.
type Hex []byte

// UnmarshalJSON decodes a hex string or null.
func (h *Hex) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*h = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = d
	return nil
}

// Tally counts vectors per file and cipher suite: passed, failed, and skipped as unsupported.
type Tally struct {
	mu    sync.Mutex
	files map[string]*fileTally
}

type fileTally struct {
	pass, fail  map[uint16]int
	unsupported map[uint16]int
}

func (t *Tally) file(name string) *fileTally {
	if t.files == nil {
		t.files = map[string]*fileTally{}
	}
	f := t.files[name]
	if f == nil {
		f = &fileTally{pass: map[uint16]int{}, fail: map[uint16]int{}, unsupported: map[uint16]int{}}
		t.files[name] = f
	}
	return f
}

// Pass records a passing vector.
func (t *Tally) Pass(file string, suite uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.file(file).pass[suite]++
}

// Fail records a failing vector.
func (t *Tally) Fail(file string, suite uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.file(file).fail[suite]++
}

// Unsupported records a vector for a cipher suite this implementation does not support.
func (t *Tally) Unsupported(file string, suite uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.file(file).unsupported[suite]++
}

// Counts returns the totals for one file.
func (t *Tally) Counts(file string) (pass, fail, unsupported int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.file(file)
	for _, n := range f.pass {
		pass += n
	}
	for _, n := range f.fail {
		fail += n
	}
	for _, n := range f.unsupported {
		unsupported += n
	}
	return
}

// Summary renders one line per file: totals and a per-suite breakdown.
func (t *Tally) Summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.files))
	for n := range t.files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		f := t.files[n]
		fmt.Fprintf(&b, "%-26s pass=%s fail=%s unsupported=%s\n", n, perSuite(f.pass), perSuite(f.fail), perSuite(f.unsupported))
	}
	return b.String()
}

func perSuite(m map[uint16]int) string {
	total := 0
	keys := make([]int, 0, len(m))
	for k, n := range m {
		total += n
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	if len(keys) == 0 {
		return "0"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k == 0 {
			parts[i] = fmt.Sprintf("%d", m[uint16(k)])
		} else {
			parts[i] = fmt.Sprintf("s%d:%d", k, m[uint16(k)])
		}
	}
	return fmt.Sprintf("%d(%s)", total, strings.Join(parts, ","))
}
