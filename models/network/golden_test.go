package network

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/nofault-golden.txt from the current code")

// goldenWorkload runs a fixed workload over every default access type and region, with loss,
// bandwidth limits and random latencies active, and returns one line per message: its delivery
// time in ns (-1 if dropped), followed by a line of totals.
func goldenWorkload(t testing.TB, seed uint64, cfg Config) []string {
	t.Helper()
	k := sim.New(seed)
	n := mustNew(t, k, cfg)
	types := AccessTypes()
	regions := Regions()
	var ids []NodeID
	for i := range 15 {
		ids = append(ids, mustAdd(t, n, fmt.Sprintf("n%d", i), regions[i%len(regions)], types[i%len(types)]))
	}
	const msgs = 800
	s := newSink(msgs)
	for i := range msgs {
		n.Send(ids[i%len(ids)], ids[(i*7+4)%len(ids)], 100+(i*997)%60000, s, i, nil)
		if i%40 == 39 {
			k.Run(k.Now() + sim.Time(30*time.Millisecond))
		}
	}
	k.RunAll()
	lines := make([]string, 0, msgs+1)
	for i, at := range s.at {
		lines = append(lines, fmt.Sprintf("%d %d", i, int64(at)))
	}
	tot := n.Totals()
	lines = append(lines, fmt.Sprintf("totals out=%d in=%d bytesOut=%d bytesIn=%d retx=%d dropped=%d end=%d",
		tot.MsgsOut, tot.MsgsIn, tot.BytesOut, tot.BytesIn, tot.Retransmits, tot.Dropped, int64(k.Now())))
	return lines
}

// goldenCases are the fault-free configurations whose delivery times are pinned by
// testdata/nofault-golden.txt, generated from the code as it was before link faults existed.
var goldenCases = []struct {
	name string
	seed uint64
	cfg  Config
}{
	{"defaults", 1, Config{RetransmitTimeout: 400 * time.Millisecond}},
	{"loss=0.05", 11, Config{Loss: 0.05, RetransmitTimeout: 250 * time.Millisecond}},
	{"loss=0.3,maxretx=2", 12, Config{Loss: 0.3, RetransmitTimeout: 100 * time.Millisecond, MaxRetransmits: 2}},
}

// TestNoFaultGolden: with no fault configured, delivery times and counters are identical, to the
// nanosecond, to those the code produced before faults were added.
func TestNoFaultGolden(t *testing.T) {
	var got []string
	for _, gc := range goldenCases {
		got = append(got, "# "+gc.name)
		got = append(got, goldenWorkload(t, gc.seed, gc.cfg)...)
	}
	path := filepath.Join("testdata", "nofault-golden.txt")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, golden has %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			if bad < 10 {
				t.Errorf("line %d: got %q, golden %q", i+1, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ from the golden file", bad, len(got))
	}
}
