package results

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
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

// runTable returns a Table shaped like the delivery observations of a large fan-out run: rows
// observations of delivery_latency in ten provider groups, from 1,000 senders to 10,000
// recipients, with latencies of whole nanoseconds in milliseconds (as the simulator records
// them), times increasing, and three parameter-like columns constant for the run.
func runTable(rows int) *Table {
	r := rand.New(rand.NewPCG(1, 2))
	var t Table
	groups := make([]uint32, 10)
	for g := range groups {
		groups[g] = t.Series("delivery_latency", "ms", fmt.Sprintf("prov-%02d", g))
	}
	clients := make([]uint32, 10000)
	for i := range clients {
		clients[i] = t.Intern(fmt.Sprintf("c%d@prov-%02d", i, i%10))
	}
	timeNs := int64(3_000_000_000)
	for i := range rows {
		to := r.IntN(len(clients))
		timeNs += int64(r.IntN(20_000))
		lat := 4_000_000 + int64(to%10)*12_000_000 + int64(r.NormFloat64()*48e6)
		if lat < 1 {
			lat = 1
		}
		t.AddIDs(groups[to%10], clients[i/10000%1000*10], clients[to], timeNs, int64(i/10000), float64(lat)/1e6)
	}
	return &t
}

// BenchmarkWriteTable writes the results of a run's table of delivery observations, with
// figures, as `mimisim run` does; rows/s counts observations written per second of one whole
// write (observations.csv, summaries, figures, report).
func BenchmarkWriteTable(b *testing.B) {
	for _, rows := range []int{2_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			t := runTable(rows)
			m := Manifest{Params: []Param{{"members", "10000"}, {"providers", "10"}, {"seed", "1"}}}
			dir := b.TempDir()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				out := filepath.Join(dir, strconv.Itoa(i))
				if err := WriteTable(out, m, t, Options{CDFMetric: "delivery_latency"}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(out) // keep the disk use of -count runs to one output
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkSummarizeTable summarizes the same table: the sorting and statistics part of a write.
func BenchmarkSummarizeTable(b *testing.B) {
	t := runTable(2_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		SummarizeTable(t)
	}
	b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWriteObservationsCSV formats observations.csv of the run-shaped table into
// io.Discard: the formatting part of a write, without the file system.
func BenchmarkWriteObservationsCSV(b *testing.B) {
	t := runTable(2_000_000)
	params := []Param{{"members", "10000"}, {"providers", "10"}, {"seed", "1"}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := writeObservationsCSV(io.Discard, params, t); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
