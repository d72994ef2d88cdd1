package bench

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/models/world"
	"github.com/mimisim/mimisim/scenarios"
)

func limits() scenarios.Limits {
	return scenarios.Limits{Engines: engines.Limits(), Regions: network.Regions(),
		AccessTypes: network.AccessTypes(), Devices: cost.DeviceNames()}
}

// runScenarios are the whole runs of BenchmarkRun: the embedded default (32 members, 3
// providers, 60 s) and testdata/room-128.yaml (128 members, 3 providers, 30 s).
var runScenarios = []struct{ name, file string }{
	{"default", "embedded:default"},
	{"room-128", "testdata/room-128.yaml"},
}

func loadScenario(b *testing.B, file string) *scenarios.Scenario {
	b.Helper()
	if name, ok := strings.CutPrefix(file, "embedded:"); ok {
		sc, _, err := scenarios.LoadEmbedded(name, limits())
		if err != nil {
			b.Fatal(err)
		}
		return sc
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := scenarios.Parse(file, raw, limits())
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

// BenchmarkRun is a whole run of a scenario as `mimisim run` does it (calibrated time, the
// embedded gomls table; results are not written). One op is one run. It reports events/s (kernel
// events per wall second), events/op, live-B/member (heap still in use after the run, with the
// world reachable, per simulated member: what a member costs to simulate in memory) and
// alloc-B/member (bytes allocated during the run per member).
func BenchmarkRun(b *testing.B) {
	engine, err := engines.Lookup("gomls")
	if err != nil {
		b.Fatal(err)
	}
	table, err := cost.Load("gomls")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range runScenarios {
		b.Run("scenario="+s.name, func(b *testing.B) {
			sc := loadScenario(b, s.file)
			var events uint64
			var live, alloc float64
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
				res, err := world.Run(sc, world.Options{Engine: engine, Cost: table})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				events += res.Events
				var after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&after)
				live += float64(after.HeapAlloc) - float64(before.HeapAlloc)
				alloc += float64(after.TotalAlloc - before.TotalAlloc)
				runtime.KeepAlive(res)
				b.StartTimer()
			}
			b.StopTimer()
			members := float64(sc.Room.Members)
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
			b.ReportMetric(live/float64(b.N)/members, "live-B/member")
			b.ReportMetric(alloc/float64(b.N)/members, "alloc-B/member")
		})
	}
}

// TestFanout10kScenario checks that the scenario of make bench-10k parses and is the issue's
// target: 10,000 members over 10 providers, about 1,000 messages, sampled fidelity.
func TestFanout10kScenario(t *testing.T) {
	raw, err := os.ReadFile("testdata/fanout-10k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Parse("testdata/fanout-10k.yaml", raw, limits())
	if err != nil {
		t.Fatal(err)
	}
	msgs := float64(sc.Room.Members) * sc.Workload.RatePerMember * time.Duration(sc.Duration).Seconds()
	if sc.Room.Members != 10000 || len(sc.Providers) != 10 || !strings.HasPrefix(sc.Fidelity, "sampled:") || msgs != 1000 {
		t.Errorf("members %d, providers %d, fidelity %s, expected messages %v; want 10000, 10, sampled:K, 1000",
			sc.Room.Members, len(sc.Providers), sc.Fidelity, msgs)
	}
}
