package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// counter is a message sink.
type counter struct{ n int }

func (c *counter) Handle(*sim.Kernel, sim.Event) { c.n++ }

// BenchmarkNetworkSend measures one network.Send of size bytes between two of 64 nodes spread
// over every region, plus the kernel events that deliver it (uplink, propagation, downlink
// queueing, retransmissions), in batches of 1024 sends followed by running the kernel dry. The
// nodes use one access type with its built-in latency distribution and rates (all types, in
// turn, for access=mixed); loss adds that probability per transmission. It reports events/s
// (kernel events per wall second), events/msg and bytes/op: bytes put on uplinks per Send,
// retransmissions included.
func BenchmarkNetworkSend(b *testing.B) {
	cases := []struct {
		access string
		loss   float64
	}{
		{"datacenter", 0},
		{"wifi", 0},
		{"lte", 0},
		{"mixed", 0},
		{"mixed", 0.05},
	}
	for _, c := range cases {
		for _, size := range []int{256, 16384} {
			b.Run(fmt.Sprintf("access=%s/loss=%g/size=%d", c.access, c.loss, size), func(b *testing.B) {
				benchSend(b, c.access, c.loss, size)
			})
		}
	}
}

func benchSend(b *testing.B, access string, loss float64, size int) {
	const nodes, batch = 64, 1024
	k := sim.New(1)
	net, err := network.New(k, network.Config{Loss: loss, RetransmitTimeout: 200 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	types := []string{access}
	if access == "mixed" {
		types = network.AccessTypes()
	}
	regions := network.Regions()
	ids := make([]network.NodeID, nodes)
	for i := range ids {
		if ids[i], err = net.AddNode(fmt.Sprintf("n%d", i), regions[i%len(regions)], types[i%len(types)]); err != nil {
			b.Fatal(err)
		}
	}
	sink := &counter{}
	send := func(i int) {
		net.Send(ids[i%nodes], ids[(i*7+3)%nodes], size, sink, 0, nil)
		if i%batch == batch-1 {
			k.RunAll()
		}
	}
	for i := range 4 * batch { // warm-up: grow the message pool and the event queue
		send(i)
	}
	k.RunAll()
	events, bytes := k.Handled(), net.Totals().BytesOut
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		send(i)
	}
	k.RunAll()
	b.StopTimer()
	ev := float64(k.Handled() - events)
	b.ReportMetric(ev/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(ev/float64(b.N), "events/msg")
	b.ReportMetric(float64(net.Totals().BytesOut-bytes)/float64(b.N), "bytes/op")
}
