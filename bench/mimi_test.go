package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// fakeClient stands for the clients of a MIMI benchmark: it decodes every message it receives
// (as a real client does before it decrypts) and counts the deliveries of message events.
type fakeClient struct {
	deliveries int
	failed     error
}

func (c *fakeClient) Handle(k *sim.Kernel, ev sim.Event) {
	m, err := mimi.Decode(ev.Data.(*mimi.Packet).Body)
	if err != nil {
		c.failed = err
		k.Stop()
		return
	}
	if d, ok := m.(*mimi.Deliver); ok {
		for _, e := range d.Events {
			if e.Kind == mimi.EventMessage {
				c.deliveries += len(e.Recipients)
			}
		}
	}
}

// fakeFollower stands for a follower provider in BenchmarkHubSubmit: it decodes what the hub
// sends it and counts the message deliveries it is asked to make.
type fakeFollower struct{ fakeClient }

func (f *fakeFollower) Handle(k *sim.Kernel, ev sim.Event) {
	m, err := mimi.Decode(ev.Data.(*mimi.Packet).Body)
	if err != nil {
		f.failed = err
		k.Stop()
		return
	}
	if n, ok := m.(*mimi.NotifyRequest); ok {
		for _, e := range n.Events {
			if e.Kind == mimi.EventMessage {
				f.deliveries += len(e.Recipients)
			}
		}
	}
}

// mimiBed is a room of members clients on a hub and three followers, over a network whose every
// access type has a constant 1 ms latency and no rate limit or loss, so that the benchmarks
// measure the providers' work and not queueing.
type mimiBed struct {
	k        *sim.Kernel
	net      *network.Network
	wire     *mimi.Wire
	hub      *mimi.Provider
	clients  *fakeClient   // every client's handler
	follower *fakeFollower // every fake follower's handler
	sender   string        // the member that submits
	from     network.NodeID
	via      network.NodeID // where it submits: its provider
	message  []byte
}

var benchProviders = []struct{ name, region string }{
	{"hub-eu", "eu-west-1"}, {"prov-us", "us-east-1"}, {"prov-ap", "ap-southeast-1"}, {"prov-sa", "sa-east-1"},
}

// newMimiBed builds the room. With realFollowers, the followers are mimi providers and the
// sender a client of the first follower; otherwise they are fakeFollowers and the sender a
// client of the hub.
func newMimiBed(b testing.TB, members int, realFollowers bool) *mimiBed {
	b.Helper()
	k := sim.New(1)
	acc := network.DefaultAccess()
	for name, a := range acc {
		a.Latency, a.UplinkMbps, a.DownlinkMbps, a.Loss = network.Constant(time.Millisecond), 0, 0, 0
		acc[name] = a
	}
	net, err := network.New(k, network.Config{Access: acc, RetransmitTimeout: 200 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	dir := mimi.NewDirectory()
	bed := &mimiBed{k: k, net: net, wire: &mimi.Wire{Net: net, Dir: dir}, clients: &fakeClient{}, follower: &fakeFollower{}}
	nodes := make([]network.NodeID, len(benchProviders))
	for i, p := range benchProviders {
		if nodes[i], err = net.AddNode(p.name, p.region, "datacenter"); err != nil {
			b.Fatal(err)
		}
		dir.RegisterProvider(p.name, nodes[i])
	}
	provs := make([]*mimi.Provider, len(benchProviders))
	for i, p := range benchProviders {
		role := mimi.Follower
		if i == 0 {
			role = mimi.Hub
		}
		if i > 0 && !realFollowers {
			dir.Register(nodes[i], bed.follower)
			continue
		}
		provs[i], err = mimi.NewProvider(k, bed.wire, nodes[i], nodes[0], mimi.Config{Name: p.name, Role: role, Cores: 4,
			RequestCost: 50 * time.Microsecond, ByteCost: 2 * time.Microsecond})
		if err != nil {
			b.Fatal(err)
		}
		dir.Register(nodes[i], provs[i])
	}
	bed.hub = provs[0]
	var ids []string
	clientNode := map[string]network.NodeID{}
	for j := range members {
		i := j % len(benchProviders)
		id := mimi.ClientID(benchProviders[i].name, j/len(benchProviders))
		node, err := net.AddNode(id, benchProviders[i].region, "wifi")
		if err != nil {
			b.Fatal(err)
		}
		dir.Register(node, bed.clients)
		if provs[i] != nil {
			provs[i].AddClient(id, node)
		}
		ids = append(ids, id)
		clientNode[id] = node
	}
	// The room: the hub's first client creates it and adds everyone in one commit.
	creator := ids[0]
	if err := bed.hub.CreateRoom("room", creator, 0); err != nil {
		b.Fatal(err)
	}
	bed.wire.Send(clientNode[creator], nodes[0], &mimi.UpdateRequest{ReqID: 1, Room: "room", Sender: creator, Epoch: 0,
		Adds: ids[1:], Handshake: [][]byte{make([]byte, 500)}, Welcome: make([]byte, 2000)})
	k.RunAll()
	if got := len(bed.hub.RoomMembers("room")); got != members {
		b.Fatalf("room has %d members, want %d", got, members)
	}
	bed.sender, bed.from, bed.via = creator, clientNode[creator], nodes[0]
	if realFollowers {
		bed.sender = ids[1] // the first client of the first follower
		bed.from, bed.via = clientNode[ids[1]], nodes[1]
	}
	// A message the size of a go-mls PrivateMessage of a 100-byte payload.
	bed.message = make([]byte, 263)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range bed.message {
		bed.message[i] = byte(rng.Uint32())
	}
	return bed
}

// submit sends one message of the sender and runs the kernel until everything it caused is done.
func (bed *mimiBed) submit(b testing.TB, id uint64) {
	bed.wire.Send(bed.from, bed.via, &mimi.SubmitMessageRequest{ReqID: id, Room: "room", Sender: bed.sender, Epoch: 1, Message: bed.message})
	bed.k.RunAll()
	if bed.clients.failed != nil || bed.follower.failed != nil {
		b.Fatal(bed.clients.failed, bed.follower.failed)
	}
}

// memberCounts are the room sizes of the MIMI benchmarks.
var memberCounts = []int{10, 100, 1000}

// BenchmarkHubSubmit measures the hub handling one submitMessage: the request is encoded and
// sent by a client of the hub; the hub decodes it, checks the sender and the epoch, answers, and
// fans the message out — one Deliver per own client and one notify per follower, each encoded
// and sent — and the receivers decode what they get (the followers are stand-ins that do not
// forward). members are spread evenly over the hub and three followers. It reports events/s,
// bytes/op (bytes the hub sent per request, with transport overhead) and msgs/op (messages it
// sent per request).
func BenchmarkHubSubmit(b *testing.B) {
	for _, n := range memberCounts {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			bed := newMimiBed(b, n, false)
			bed.submit(b, 1) // warm-up
			st, events := bed.net.Stats(bed.hub.Node()), bed.k.Handled()
			bed.clients.deliveries, bed.follower.deliveries = 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				bed.submit(b, uint64(i+2))
			}
			b.StopTimer()
			if got, want := bed.clients.deliveries+bed.follower.deliveries, b.N*(n-1); got != want {
				b.Fatalf("%d deliveries, want %d", got, want)
			}
			end := bed.net.Stats(bed.hub.Node())
			b.ReportMetric(float64(bed.k.Handled()-events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(end.BytesOut-st.BytesOut)/float64(b.N), "bytes/op")
			b.ReportMetric(float64(end.MsgsOut-st.MsgsOut)/float64(b.N), "msgs/op")
		})
	}
}

// BenchmarkFanout measures one message's whole way through the providers: a client of a follower
// submits it; the follower forwards it to the hub; the hub accepts it, answers through the
// follower and fans it out; every follower acknowledges its notify and delivers to its clients;
// and all members but the sender decode their Deliver. clients is the room size, spread over
// the hub and three followers. It reports events/s, deliveries/s (members reached per wall
// second), bytes/op (bytes on the whole network per message, with transport overhead) and
// ns/delivery.
func BenchmarkFanout(b *testing.B) {
	for _, n := range memberCounts {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			bed := newMimiBed(b, n, true)
			bed.submit(b, 1) // warm-up
			bytes, events := bed.net.Totals().BytesOut, bed.k.Handled()
			bed.clients.deliveries = 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				bed.submit(b, uint64(i+2))
			}
			b.StopTimer()
			if got, want := bed.clients.deliveries, b.N*(n-1); got != want {
				b.Fatalf("%d deliveries, want %d", got, want)
			}
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(bed.k.Handled()-events)/s, "events/s")
			b.ReportMetric(float64(bed.clients.deliveries)/s, "deliveries/s")
			b.ReportMetric(float64(bed.net.Totals().BytesOut-bytes)/float64(b.N), "bytes/op")
			b.ReportMetric(s*1e9/float64(bed.clients.deliveries), "ns/delivery")
		})
	}
}

// TestMimiBed checks the benchmarks' room: every member but the sender gets each message, through
// real followers or to the stand-ins.
func TestMimiBed(t *testing.T) {
	for _, real := range []bool{false, true} {
		bed := newMimiBed(t, 10, real)
		bed.submit(t, 1)
		bed.submit(t, 2)
		if got := bed.clients.deliveries + bed.follower.deliveries; got != 2*9 {
			t.Errorf("real followers %v: %d deliveries of 2 messages in a room of 10", real, got)
		}
		if real && bed.follower.deliveries != 0 {
			t.Error("stand-in followers were used")
		}
	}
}
