package network

import (
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/mimisim/mimisim/sim"
)

// sink records, per message number (sent as the event Kind), when it was delivered.
type sink struct {
	at    []sim.Time // -1 until delivered
	calls int
}

func newSink(n int) *sink {
	s := &sink{at: make([]sim.Time, n)}
	for i := range s.at {
		s.at[i] = -1
	}
	return s
}

func (s *sink) Handle(k *sim.Kernel, ev sim.Event) {
	if ev.At != k.Now() {
		panic("event At differs from the kernel clock")
	}
	if s.at[ev.Kind] != -1 {
		panic("message delivered twice")
	}
	s.at[ev.Kind] = k.Now()
	s.calls++
}

// fixed returns an access type with a constant latency.
func fixed(lat time.Duration, upMbps, downMbps, loss float64) Access {
	return Access{Latency: Constant(lat), UplinkMbps: upMbps, DownlinkMbps: downMbps, Loss: loss}
}

func mustNew(t testing.TB, k *sim.Kernel, cfg Config) *Network {
	t.Helper()
	if cfg.RetransmitTimeout == 0 {
		cfg.RetransmitTimeout = 500 * time.Millisecond
	}
	n, err := New(k, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustAdd(t testing.TB, n *Network, name, region, access string) NodeID {
	t.Helper()
	id, err := n.AddNode(name, region, access)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestDeliveryExactSum: constant latencies, unlimited rates, no loss ⇒ delivery at exactly
// now + lat(from) + RTT/2 + lat(to), to the nanosecond.
func TestDeliveryExactSum(t *testing.T) {
	access := map[string]Access{
		"a": fixed(3*time.Millisecond, 0, 0, 0),
		"b": fixed(12345678*time.Nanosecond, 0, 0, 0),
		"c": fixed(0, 0, 0, 0),
		"d": fixed(7*time.Nanosecond, 0, 0, 0),
	}
	tests := []struct {
		fromRegion, toRegion string
		fromAccess, toAccess string
		override             time.Duration // 0: the built-in RTT
	}{
		{"eu-west-1", "eu-central-1", "a", "b", 0},
		{"eu-central-1", "eu-west-1", "b", "a", 0},
		{"us-east-1", "ap-southeast-1", "c", "c", 0},
		{"sa-east-1", "ap-northeast-1", "a", "d", 0},
		{"us-west-2", "us-west-2", "d", "b", 0},
		{"ap-northeast-1", "us-west-2", "b", "b", 0},
		{"eu-west-1", "us-east-1", "a", "c", 70*time.Millisecond + 1}, // odd ns: RTT/2 truncates
	}
	for _, tc := range tests {
		t.Run(tc.fromRegion+"→"+tc.toRegion+"/"+tc.fromAccess+tc.toAccess, func(t *testing.T) {
			k := sim.New(7)
			cfg := Config{Access: access}
			rtt, ok := RegionRTT(tc.fromRegion, tc.toRegion)
			if !ok {
				t.Fatalf("no built-in RTT for %s–%s", tc.fromRegion, tc.toRegion)
			}
			if tc.override != 0 {
				cfg.RTT = []RTTOverride{{A: tc.toRegion, B: tc.fromRegion, RTT: tc.override}}
				rtt = tc.override
			}
			n := mustNew(t, k, cfg)
			from := mustAdd(t, n, "from", tc.fromRegion, tc.fromAccess)
			to := mustAdd(t, n, "to", tc.toRegion, tc.toAccess)
			k.Run(1234567) // send from a non-zero instant
			now := k.Now()
			s := newSink(1)
			n.Send(from, to, 1<<20, s, 0, nil)
			k.RunAll()
			want := now.Add(access[tc.fromAccess].Latency.Mean() + rtt/2 + access[tc.toAccess].Latency.Mean())
			if s.at[0] != want {
				t.Errorf("delivered at %v (%d ns), want %v (%d ns)", s.at[0], s.at[0], want, want)
			}
		})
	}
}

func TestSerialise(t *testing.T) {
	tests := []struct {
		size int
		bps  int64
		want time.Duration
	}{
		{1_000_000, 10_000_000, 800 * time.Millisecond},
		{1, 3_000_000, 2667}, // 8e9/3e6 = 2666.67 ns, rounded up
		{1, 8_000_000_000, 1},
		{3, 1_000_000_000_000, 1}, // 0.024 ns rounds up to 1
		{0, 1, 0},
		{123, 0, 0}, // unlimited
		{1 << 40, 1_000_000_000, time.Duration(1<<40) * 8}, // 8.8 TB·bit/Gbps: needs 128-bit
	}
	for _, tc := range tests {
		if got := serialise(tc.size, tc.bps); got != tc.want {
			t.Errorf("serialise(%d B, %d bit/s) = %d ns, want %d ns", tc.size, tc.bps, got, tc.want)
		}
	}
}

// TestUplinkFIFO: two back-to-back 1 MB messages on a 10 Mbps uplink arrive 0.8 s apart, the
// first 0.8 s (its serialisation) after the propagation delay.
func TestUplinkFIFO(t *testing.T) {
	k := sim.New(1)
	n := mustNew(t, k, Config{Access: map[string]Access{
		"slow": fixed(10*time.Millisecond, 10, 0, 0),
		"fast": fixed(5*time.Millisecond, 0, 0, 0),
	}})
	a := mustAdd(t, n, "a", "eu-west-1", "slow")
	b := mustAdd(t, n, "b", "eu-west-1", "fast")
	s := newSink(2)
	n.Send(a, b, 1_000_000, s, 0, nil)
	n.Send(a, b, 1_000_000, s, 1, nil)
	k.RunAll()
	prop := 10*time.Millisecond + IntraRegionRTT/2 + 5*time.Millisecond
	if want := sim.Time(0).Add(800*time.Millisecond + prop); s.at[0] != want {
		t.Errorf("first delivered at %v, want %v", s.at[0], want)
	}
	if gap := s.at[1].Sub(s.at[0]); gap != 800*time.Millisecond {
		t.Errorf("gap %v, want 800ms", gap)
	}
}

// TestDownlinkFIFO: two 1 MB messages from different senders arrive together at a 10 Mbps
// downlink; they are delivered 0.8 s and 1.6 s after arriving, in send order.
func TestDownlinkFIFO(t *testing.T) {
	k := sim.New(1)
	n := mustNew(t, k, Config{Access: map[string]Access{
		"srv":    fixed(0, 0, 0, 0),
		"client": fixed(20*time.Millisecond, 0, 10, 0),
	}})
	s1 := mustAdd(t, n, "s1", "us-east-1", "srv")
	s2 := mustAdd(t, n, "s2", "us-east-1", "srv")
	c := mustAdd(t, n, "c", "us-east-1", "client")
	s := newSink(2)
	n.Send(s1, c, 1_000_000, s, 0, nil)
	n.Send(s2, c, 1_000_000, s, 1, nil)
	k.RunAll()
	arrival := sim.Time(0).Add(IntraRegionRTT/2 + 20*time.Millisecond)
	for i, want := range []sim.Time{arrival.Add(800 * time.Millisecond), arrival.Add(1600 * time.Millisecond)} {
		if s.at[i] != want {
			t.Errorf("message %d delivered at %v, want %v", i, s.at[i], want)
		}
	}
	st := n.Stats(c)
	if st.MsgsIn != 2 || st.BytesIn != 2_000_000 || st.MsgsOut != 0 {
		t.Errorf("receiver stats %+v", st)
	}
}

// TestLossRetransmission sends many messages with Config.Loss = 0.5. The number of
// transmissions per message is geometric with p = 0.5: mean 2, variance (1−p)/p² = 2, so the
// mean over n messages must be within 5·√(2/n) of 2. Every delivery happens at exactly
// base + k·RTO, where k is its number of retransmissions, and the k add up to Stats.Retransmits.
func TestLossRetransmission(t *testing.T) {
	const (
		msgs = 20_000
		rto  = 300 * time.Millisecond
		lat  = 4 * time.Millisecond
	)
	k := sim.New(99)
	n := mustNew(t, k, Config{
		Access:            map[string]Access{"x": fixed(lat, 0, 0, 0)},
		Loss:              0.5,
		RetransmitTimeout: rto,
		MaxRetransmits:    64, // drop probability 2⁻⁶⁵: never, in practice
	})
	a := mustAdd(t, n, "a", "eu-west-1", "x")
	b := mustAdd(t, n, "b", "us-east-1", "x")
	rtt, _ := RegionRTT("eu-west-1", "us-east-1")
	base := sim.Time(0).Add(2*lat + rtt/2)
	s := newSink(msgs)
	for i := range msgs {
		n.Send(a, b, 100, s, i, nil)
	}
	k.RunAll()
	var retx int64
	for i, at := range s.at {
		d := at.Sub(base)
		if at < 0 || d < 0 || d%rto != 0 {
			t.Fatalf("message %d delivered at %v, not base %v + k·%v", i, at, base, rto)
		}
		retx += int64(d / rto)
	}
	st := n.Stats(a)
	if st.Retransmits != retx || st.Dropped != 0 || s.calls != msgs {
		t.Fatalf("stats %+v, retransmits from delivery times %d, deliveries %d", st, retx, s.calls)
	}
	if st.BytesOut != 100*(msgs+retx) {
		t.Errorf("BytesOut %d, want %d (retransmissions included)", st.BytesOut, 100*(msgs+retx))
	}
	mean := float64(msgs+retx) / msgs
	if tol := 5 * math.Sqrt(2.0/msgs); math.Abs(mean-2) > tol {
		t.Errorf("mean transmissions per message %.4f, want 2 ± %.4f", mean, tol)
	}
}

// TestMaxRetransmitsDrop: with every loss source at 0.5 a transmission is lost with probability
// 1 − 0.5³ = 0.875; with MaxRetransmits = 2 a message is dropped with probability 0.875³. Dropped
// messages are counted on the sender, after exactly 2 retransmissions each, and never delivered.
func TestMaxRetransmitsDrop(t *testing.T) {
	const msgs = 10_000
	rto := 200 * time.Millisecond
	k := sim.New(5)
	n := mustNew(t, k, Config{
		Access:            map[string]Access{"lossy": fixed(time.Millisecond, 0, 0, 0.5)},
		Loss:              0.5,
		RetransmitTimeout: rto,
		MaxRetransmits:    2,
	})
	a := mustAdd(t, n, "a", "sa-east-1", "lossy")
	b := mustAdd(t, n, "b", "sa-east-1", "lossy")
	s := newSink(msgs)
	for i := range msgs {
		n.Send(a, b, 10, s, i, nil)
	}
	k.RunAll()
	st, tot := n.Stats(a), n.Totals()
	delivered := int64(s.calls)
	if st.Dropped+delivered != msgs || tot.MsgsIn != delivered || tot.MsgsOut != msgs {
		t.Fatalf("dropped %d + delivered %d != %d (totals %+v)", st.Dropped, delivered, msgs, tot)
	}
	if n.Stats(b).Dropped != 0 {
		t.Errorf("drops counted on the receiver: %+v", n.Stats(b))
	}
	p := math.Pow(0.875, 3)
	frac := float64(st.Dropped) / msgs
	if tol := 5 * math.Sqrt(p*(1-p)/msgs); math.Abs(frac-p) > tol {
		t.Errorf("dropped fraction %.4f, want %.4f ± %.4f", frac, p, tol)
	}
	// Retransmissions: 2 per dropped message plus k per delivered one.
	var retx int64
	base := sim.Time(0).Add(2*time.Millisecond + IntraRegionRTT/2)
	for _, at := range s.at {
		if at >= 0 {
			k := at.Sub(base) / rto
			if k > 2 {
				t.Fatalf("delivered after %d retransmissions, limit 2", k)
			}
			retx += int64(k)
		}
	}
	if want := 2*st.Dropped + retx; st.Retransmits != want {
		t.Errorf("Retransmits %d, want %d", st.Retransmits, want)
	}
	// The last drop happens at the last transmission's start + RTO = 3·RTO.
	if k.Now() != sim.Time(0).Add(3*rto) {
		t.Errorf("run ended at %v, want the final timeout at %v", k.Now(), 3*rto)
	}
}

func TestDefaultMaxRetransmits(t *testing.T) {
	n := mustNew(t, sim.New(1), Config{})
	if n.maxRetx != DefaultMaxRetransmits || DefaultMaxRetransmits != 20 {
		t.Errorf("MaxRetransmits 0 gave %d, want 20", n.maxRetx)
	}
}

// run sends a fixed random-looking workload over the default access types and returns the
// delivery times.
func run(t testing.TB, seed uint64) []sim.Time {
	k := sim.New(seed)
	n := mustNew(t, k, Config{Loss: 0.05})
	types := AccessTypes()
	regions := Regions()
	var ids []NodeID
	for i := range 12 {
		ids = append(ids, mustAdd(t, n, string(rune('a'+i)), regions[i%len(regions)], types[i%len(types)]))
	}
	const msgs = 500
	s := newSink(msgs)
	for i := range msgs {
		n.Send(ids[i%len(ids)], ids[(i*5+3)%len(ids)], 200+i*37, s, i, nil)
		if i%50 == 49 {
			k.Run(k.Now() + sim.Time(20*time.Millisecond))
		}
	}
	k.RunAll()
	return s.at
}

func TestDeterminism(t *testing.T) {
	a, b, c := run(t, 11), run(t, 11), run(t, 12)
	same, differ := true, 0
	for i := range a {
		same = same && a[i] == b[i]
		if a[i] != c[i] {
			differ++
		}
	}
	if !same {
		t.Error("same seed gave different delivery times")
	}
	if differ < len(a)/2 {
		t.Errorf("different seeds changed only %d of %d delivery times", differ, len(a))
	}
}

func TestInvalidConfig(t *testing.T) {
	ok := func() Config { return Config{RetransmitTimeout: time.Second} }
	with := func(f func(*Config)) Config { c := ok(); f(&c); return c }
	acc := func(a Access) Config { return with(func(c *Config) { c.Access = map[string]Access{"x": a} }) }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"loss negative", with(func(c *Config) { c.Loss = -0.1 }), "Config.Loss"},
		{"loss above half", with(func(c *Config) { c.Loss = 0.6 }), "Config.Loss"},
		{"loss NaN", with(func(c *Config) { c.Loss = math.NaN() }), "Config.Loss"},
		{"no timeout", Config{}, "Config.RetransmitTimeout"},
		{"negative timeout", with(func(c *Config) { c.RetransmitTimeout = -1 }), "Config.RetransmitTimeout"},
		{"negative retransmits", with(func(c *Config) { c.MaxRetransmits = -1 }), "Config.MaxRetransmits"},
		{"empty access", with(func(c *Config) { c.Access = map[string]Access{} }), "Config.Access is empty"},
		{"nil latency", acc(Access{}), `Config.Access["x"].Latency`},
		{"negative uplink", acc(fixed(0, -1, 0, 0)), `Config.Access["x"].UplinkMbps`},
		{"infinite downlink", acc(fixed(0, 0, math.Inf(1), 0)), `Config.Access["x"].DownlinkMbps`},
		{"tiny downlink", acc(fixed(0, 0, 1e-9, 0)), `Config.Access["x"].DownlinkMbps`},
		{"access loss", acc(fixed(0, 0, 0, 0.9)), `Config.Access["x"].Loss`},
		{"empty access name", with(func(c *Config) { c.Access = map[string]Access{"": fixed(0, 0, 0, 0)} }), "empty name"},
		{"negative RTT", with(func(c *Config) { c.RTT = []RTTOverride{{"eu-west-1", "us-east-1", -1}} }), "Config.RTT[0].RTT"},
		{"RTT missing region", with(func(c *Config) { c.RTT = []RTTOverride{{"eu-west-1", "", 1}} }), "Config.RTT[0]"},
		{"duplicate RTT", with(func(c *Config) {
			c.RTT = []RTTOverride{{"eu-west-1", "us-east-1", 1}, {"x", "y", 1}, {"us-east-1", "eu-west-1", 2}}
		}), "Config.RTT[0] and Config.RTT[2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(sim.New(1), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestAddNode(t *testing.T) {
	n := mustNew(t, sim.New(1), Config{RTT: []RTTOverride{
		{"eu-west-1", "on-prem-1", 9 * time.Millisecond},
		{"lab", "lab", 100 * time.Microsecond},
	}})
	a := mustAdd(t, n, "a", "eu-west-1", "wired")
	if got := n.Node(a); got != (NodeInfo{"a", "eu-west-1", "wired"}) {
		t.Errorf("Node = %+v", got)
	}
	tests := []struct {
		name, node, region, access, want string
	}{
		{"empty name", "", "eu-west-1", "wired", "empty node name"},
		{"duplicate", "a", "eu-west-1", "wired", `"a" already exists`},
		{"unknown region", "b", "mars-1", "wired", `unknown region "mars-1"`},
		{"unknown access", "b", "eu-west-1", "carrier-pigeon", `unknown access type "carrier-pigeon"`},
		{"no RTT to used region", "b", "lab", "wired", `no RTT between regions "lab" and "eu-west-1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := n.AddNode(tc.node, tc.region, tc.access); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A region added by an override works where its RTT is known.
	b := mustAdd(t, n, "b", "on-prem-1", "datacenter")
	k := n.k
	s := newSink(1)
	n.Send(b, b, 10, s, 0, nil)
	k.RunAll()
	if want := sim.Time(0).Add(IntraRegionRTT / 2); s.at[0] != want {
		t.Errorf("self-send in added region delivered at %v, want %v", s.at[0], want)
	}
}

// TestSendAllocsNothing: once the pool and the kernel queue have grown, a Send and its delivery
// allocate nothing, with random latencies, bandwidth limits and loss all active, and again with
// every fault enabled as well (duplicates, reordering, extra delay, partitions that cut, delay
// and drop messages).
func TestSendAllocsNothing(t *testing.T) {
	allFaults := Faults{
		Duplicate:    0.2,
		Reorder:      0.2,
		ReorderDelay: LogNormal(30*time.Millisecond, 0.7),
		ExtraDelay:   ShiftedExponential(time.Millisecond, 2*time.Millisecond),
		Partitions: []Partition{
			{From: 0, To: 1000 * time.Hour, A: []string{"a"}, B: []string{"b"}, OneWay: true},
			{From: 2 * time.Second, To: 60 * time.Second, A: []string{"region:us-east-1"}},
		},
	}
	tests := []struct {
		name  string
		cfg   Config
		check func(t *testing.T, tot NodeStats)
	}{
		{"loss", Config{Loss: 0.1}, func(t *testing.T, tot NodeStats) {
			if tot.Retransmits == 0 {
				t.Error("no retransmission exercised")
			}
		}},
		{"all-faults", Config{Loss: 0.1, MaxRetransmits: 3, Faults: allFaults}, func(t *testing.T, tot NodeStats) {
			if tot.Retransmits == 0 || tot.Partitioned == 0 || tot.Dropped == 0 || tot.Duplicated == 0 || tot.Reordered == 0 {
				t.Errorf("some fault not exercised: %+v", tot)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(3)
			n := mustNew(t, k, tc.cfg)
			a := mustAdd(t, n, "a", "eu-west-1", "lte")
			b := mustAdd(t, n, "b", "ap-northeast-1", "wifi")
			c := mustAdd(t, n, "c", "us-east-1", "5g")
			s := &countSink{}
			step := func() {
				for range 32 {
					n.Send(a, b, 1500, s, 0, nil)
					n.Send(b, a, 300, s, 0, nil)
					n.Send(a, c, 700, s, 0, nil)
					n.Send(c, b, 900, s, 0, nil)
				}
				k.RunAll()
			}
			step() // warm up
			if allocs := testing.AllocsPerRun(20, step); allocs != 0 {
				t.Errorf("%.1f allocations per 128 sends, want 0", allocs)
			}
			if s.n == 0 {
				t.Fatal("nothing delivered")
			}
			tc.check(t, n.Totals())
		})
	}
}

type countSink struct{ n int }

func (c *countSink) Handle(*sim.Kernel, sim.Event) { c.n++ }

func TestSendPanics(t *testing.T) {
	n := mustNew(t, sim.New(1), Config{})
	a := mustAdd(t, n, "a", "eu-west-1", "wired")
	tests := []struct {
		name string
		f    func()
	}{
		{"unknown from", func() { n.Send(5, a, 1, &countSink{}, 0, nil) }},
		{"negative to", func() { n.Send(a, -1, 1, &countSink{}, 0, nil) }},
		{"negative size", func() { n.Send(a, a, -1, &countSink{}, 0, nil) }},
		{"nil handler", func() { n.Send(a, a, 1, nil, 0, nil) }},
		{"kind beyond int32", func() { n.Send(a, a, 1, &countSink{}, 1<<40, nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}

// TestNodeLine: what a transmission touches of a node, and an in-flight message, each fit one
// 64-byte cache line.
func TestNodeLine(t *testing.T) {
	if size := unsafe.Sizeof(node{}); size != 64 {
		t.Fatalf("node is %d bytes, want 64 (one cache line)", size)
	}
	if size := unsafe.Sizeof(message{}); size != 64 {
		t.Fatalf("message is %d bytes, want 64 (one cache line)", size)
	}
}
