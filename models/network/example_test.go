package network_test

import (
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

type printer struct{}

func (printer) Handle(k *sim.Kernel, ev sim.Event) {
	fmt.Println(k.Now(), "delivered", ev.Data)
}

// A phone in Dublin on a fixed 25 ms LTE link sends two 250 kB messages to a server in
// Frankfurt. Each takes 250e3·8 / 6 Mbps = 333.333334 ms (rounded up to the ns) on the uplink, so
// the second waits for the first; then 25 ms + 28.5 ms/2 + 0 ms of propagation.
func Example() {
	access := network.DefaultAccess()
	access["lte"] = network.Access{Latency: network.Constant(25 * time.Millisecond), UplinkMbps: 6, DownlinkMbps: 21}
	k := sim.New(1)
	n, err := network.New(k, network.Config{Access: access, RetransmitTimeout: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	phone, _ := n.AddNode("phone", "eu-west-1", "lte")
	server, _ := n.AddNode("server", "eu-central-1", "datacenter")
	rtt, _ := network.RegionRTT("eu-west-1", "eu-central-1")
	fmt.Println("RTT", rtt)
	n.Send(phone, server, 250_000, printer{}, 0, "first")
	n.Send(phone, server, 250_000, printer{}, 0, "second")
	k.RunAll()
	fmt.Printf("%+v\n", n.Stats(phone))
	// Output:
	// RTT 28.5ms
	// 0.372583334s delivered first
	// 0.705916668s delivered second
	// {BytesOut:500000 BytesIn:0 MsgsOut:2 MsgsIn:0 Retransmits:0 Dropped:0 Partitioned:0 Duplicated:0 Reordered:0 EpisodeLost:0}
}

// A partition added while the network runs: from 1 s to 3 s, the node "hub" cannot reach
// anyone (one way: it still hears from them).
func ExampleNetwork_AddPartition() {
	k := sim.New(1)
	n, _ := network.New(k, network.Config{RetransmitTimeout: 200 * time.Millisecond})
	hub, _ := n.AddNode("hub", "eu-west-1", "datacenter")
	peer, _ := n.AddNode("peer", "us-east-1", "datacenter")
	if err := n.AddPartition(network.Partition{From: time.Second, To: 3 * time.Second, A: []string{"hub"}, OneWay: true}); err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second} {
		fmt.Printf("at %v: hub→peer cut %v, peer→hub cut %v\n", t,
			n.Partitioned(hub, peer, sim.Time(t)), n.Partitioned(peer, hub, sim.Time(t)))
	}
	// Output:
	// at 0s: hub→peer cut false, peer→hub cut false
	// at 1s: hub→peer cut true, peer→hub cut false
	// at 2s: hub→peer cut true, peer→hub cut false
	// at 3s: hub→peer cut false, peer→hub cut false
}
