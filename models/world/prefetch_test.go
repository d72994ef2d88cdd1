package world

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls/engines"
	rfc9420 "github.com/mimisim/mimisim/models/mls/rfc9420/engine"
	"github.com/mimisim/mimisim/scenarios"
)

// TestPrefetchEquivalent: a bigroom run gives the same observations, events, set-up time and
// engine sharing counters without prefetch, with one worker and with several, in zero and in
// calibrated time; and the prefetch does decrypt most deliveries ahead.
func TestPrefetchEquivalent(t *testing.T) {
	table, err := cost.Load("rfc9420")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mode string
		cost client.CostModel
	}{
		{"zero", scenarios.TimeModeZero, cost.Zero{}},
		{"calibrated", scenarios.TimeModeCalibrated, table},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type run struct {
				res   *Result
				stats any
				note  string
			}
			do := func(o Options) run {
				sc := bigroom(t, 300)
				sc.TimeMode = tc.mode
				e, err := engines.Lookup("rfc9420")
				if err != nil {
					t.Fatal(err)
				}
				o.Engine, o.Cost = e, tc.cost
				res, err := Run(sc, o)
				if err != nil {
					t.Fatal(err)
				}
				return run{res, e.(*rfc9420.Engine).Share().Stats(), res.World.PrefetchNote()}
			}
			base := do(Options{NoPrefetch: true})
			if base.note != "" {
				t.Errorf("prefetch off, but noted: %q", base.note)
			}
			for _, o := range []Options{{Workers: 1}, {Workers: 2}, {Workers: 7}, {Workers: 2, PrefetchWait: true}, {Workers: 7, PrefetchWait: true}} {
				workers := fmt.Sprintf("%d (wait %v)", o.Workers, o.PrefetchWait)
				got := do(o)
				if !reflect.DeepEqual(got.res.Observations.Slice(), base.res.Observations.Slice()) ||
					got.res.Events != base.res.Events || got.res.SetupTime != base.res.SetupTime {
					t.Fatalf("workers %s: the run differs from the run without prefetch", workers)
				}
				if !reflect.DeepEqual(got.stats, base.stats) {
					t.Fatalf("workers %s: sharing counters %+v, without prefetch %+v", workers, got.stats, base.stats)
				}
				if got.res.World.prefetch.done < uint64(base.res.Deliveries)/2 {
					t.Fatalf("workers %s: %d of %d deliveries prefetched", workers, got.res.World.prefetch.done, base.res.Deliveries)
				}
				if j := got.res.World.prefetch.joins; j != uint64(base.res.Members-1) {
					t.Fatalf("workers %s: %d of %d joins prefetched", workers, j, base.res.Members-1)
				}
				if got.res.World.prefetch.commits == 0 {
					t.Fatalf("workers %s: the scripted commit was not prefetched", workers)
				}
				if queued := got.res.World.prefetch.batches; (queued == 0) != o.PrefetchWait {
					t.Fatalf("workers %s: %d batches queued", workers, queued)
				}
				if got.note == "" {
					t.Fatalf("workers %s: no prefetch note", workers)
				}
				// With overlap, the script's senders have others' messages decrypted on the
				// workers too, waiting only for their own before they encrypt.
				if a := got.res.World.prefetch.actorsQueued; (a == 0) != o.PrefetchWait {
					t.Fatalf("workers %s: %d of the senders' decryptions queued", workers, a)
				}
			}
		})
	}
}

// TestPrefetchOff: scenarios that are not a fixed script, engines that do not declare
// concurrent members, and measured time do not prefetch.
func TestPrefetchOff(t *testing.T) {
	sc := bigroom(t, 10)
	rfc, _ := engines.Lookup("rfc9420")
	gomls, _ := engines.Lookup("gomls")
	for _, tc := range []struct {
		name string
		sc   func() *scenarios.Scenario
		o    Options
		want bool
	}{
		{"bigroom on rfc9420", func() *scenarios.Scenario { return sc }, Options{Engine: rfc, Cost: cost.Zero{}}, true},
		{"gomls", func() *scenarios.Scenario { return sc }, Options{Engine: gomls, Cost: cost.Zero{}}, false},
		{"measured", func() *scenarios.Scenario { return sc }, Options{Engine: rfc, Cost: cost.Wall{}}, false},
		{"poisson", func() *scenarios.Scenario {
			s := *sc
			s.Workload.Kind = scenarios.WorkloadPoisson
			return &s
		}, Options{Engine: rfc, Cost: cost.Zero{}}, false},
		{"offline", func() *scenarios.Scenario { return sc }, Options{Engine: rfc, Cost: cost.Zero{}, Offline: &OfflineWorkload{Share: 0.1}}, false},
	} {
		if got := prefetchable(tc.sc(), tc.o); got != tc.want {
			t.Errorf("%s: prefetchable %v, want %v", tc.name, got, tc.want)
		}
	}
}
