package network

import (
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// benchFaults enables every fault: 5% duplicates, 5% held back, a random extra delay, and
// node A's outgoing links cut for the whole run (so 1 message in 64 is retransmitted until
// dropped).
var benchFaults = Faults{
	Duplicate:    0.05,
	Reorder:      0.05,
	ReorderDelay: ShiftedExponential(10*time.Millisecond, 20*time.Millisecond),
	ExtraDelay:   ShiftedExponential(0, time.Millisecond),
	Partitions:   []Partition{{From: 0, To: 1000 * time.Hour, A: []string{"A"}, OneWay: true}},
}

// BenchmarkSend measures one Send and the kernel events that deliver it (including any
// retransmissions), in batches of 1024 sends followed by a RunAll, after a warm-up that grows
// the message pool and the event queue. It reports kernel events handled per wall-clock second.
func BenchmarkSend(b *testing.B) {
	cases := []struct {
		name   string
		cfg    Config
		access []string
	}{
		{"constant-unlimited", Config{Access: map[string]Access{"c": {Latency: Constant(5 * time.Millisecond)}}}, []string{"c"}},
		{"defaults", Config{}, AccessTypes()},
		{"defaults-loss=0.1", Config{Loss: 0.1}, AccessTypes()},
		{"defaults-all-faults", Config{Loss: 0.1, Faults: benchFaults}, AccessTypes()},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			const nodes, batch = 64, 1024
			k := sim.New(1)
			n := mustNew(b, k, bc.cfg)
			regions := Regions()
			ids := make([]NodeID, nodes)
			for i := range ids {
				ids[i] = mustAdd(b, n, string(rune('A'+i)), regions[i%len(regions)], bc.access[i%len(bc.access)])
			}
			s := &countSink{}
			send := func(i int) {
				n.Send(ids[i%nodes], ids[(i*7+3)%nodes], 512+i%4096, s, 0, nil)
				if i%batch == batch-1 {
					k.RunAll()
				}
			}
			for i := range 8 * batch { // warm-up
				send(i)
			}
			k.RunAll()
			handled := k.Handled()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				send(i)
			}
			k.RunAll()
			b.StopTimer()
			events := float64(k.Handled() - handled)
			b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(events/float64(b.N), "events/msg")
		})
	}
}
