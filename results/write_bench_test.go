package results

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

// deliveries returns n delivery-like observations: 10 groups, 10,000 client ids.
func deliveries(n int) []Observation {
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%05d", i)
	}
	groups := []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"}
	obs := make([]Observation, n)
	for i := range obs {
		to := (i * 7919) % len(ids)
		obs[i] = Observation{Metric: "delivery_latency", Unit: "ms", Group: groups[to%10],
			TimeNs: int64(i) * 1_000_003, Source: ids[i/10000%len(ids)], Target: ids[to],
			ID: int64(i / 10000), Value: 40 + float64((i*31)%9973)*0.037}
	}
	return obs
}

// BenchmarkWrite writes the results of 1,000,000 delivery observations, with figures; B/op and
// allocs/op are those of one whole write.
func BenchmarkWrite(b *testing.B) {
	obs := deliveries(1_000_000)
	dir := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := Write(filepath.Join(dir, strconv.Itoa(i)), Manifest{}, obs, Options{CDFMetric: "delivery_latency"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableAdd adds delivery observations (10 groups, 10,000 client ids) to a Table; one
// op is one observation, so B/op is what the table holds per observation.
func BenchmarkTableAdd(b *testing.B) {
	obs := deliveries(1 << 20)
	var t Table
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t.Add(obs[i&(len(obs)-1)])
	}
}
