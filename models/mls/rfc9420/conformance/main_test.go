package conformance

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
)

var tally testvectors.Tally

func TestMain(m *testing.M) {
	code := m.Run()
	if s := tally.Summary(); s != "" {
		fmt.Printf("MLS test vector summary (per file: totals and per cipher suite sN:count):\n%s", s)
	}
	os.Exit(code)
}

// suiteFor looks up the vector's suite; an unsupported suite is tallied and reported, and the
// caller moves on to the next vector.
func suiteFor(t *testing.T, file string, id uint16) (*ciphersuite.Suite, bool) {
	t.Helper()
	s, err := ciphersuite.Lookup(ciphersuite.ID(id))
	if errors.Is(err, ciphersuite.ErrUnsupported) {
		tally.Unsupported(file, id)
		t.Logf("%s: cipher suite 0x%04x unsupported: vector counted as unsupported", file, id)
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return s, true
}

// record tallies the outcome of one vector run as a subtest.
func record(t *testing.T, file string, suite uint16, name string, f func(t *testing.T)) {
	t.Helper()
	if t.Run(name, f) {
		tally.Pass(file, suite)
	} else {
		tally.Fail(file, suite)
	}
}

// reportFile logs the totals for a file and fails if nothing was checked.
func reportFile(t *testing.T, file string) {
	t.Helper()
	pass, fail, unsupported := tally.Counts(file)
	t.Logf("%s: %d passed, %d failed, %d unsupported", file, pass, fail, unsupported)
	if pass+fail == 0 {
		t.Errorf("%s: no vector was checked", file)
	}
}

type hex = testvectors.Hex
