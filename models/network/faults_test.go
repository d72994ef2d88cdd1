package network

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// multiSink records every delivery time of every message number (sent as the event Kind),
// duplicates included, and checks that the payload travels unchanged.
type multiSink struct {
	at   [][]sim.Time
	data []any
}

func newMultiSink(n int) *multiSink {
	return &multiSink{at: make([][]sim.Time, n), data: make([]any, n)}
}

func (s *multiSink) Handle(k *sim.Kernel, ev sim.Event) {
	if ev.At != k.Now() {
		panic("event At differs from the kernel clock")
	}
	if len(s.at[ev.Kind]) > 0 && s.data[ev.Kind] != ev.Data {
		panic("a duplicate carries a different payload")
	}
	s.data[ev.Kind] = ev.Data
	s.at[ev.Kind] = append(s.at[ev.Kind], k.Now())
}

// binomialTol is 5 standard deviations of the fraction of successes in n trials of
// probability p.
func binomialTol(p float64, n int) float64 { return 5 * math.Sqrt(p*(1-p)/float64(n)) }

func TestFaultsConfigErrors(t *testing.T) {
	with := func(f Faults) Config { return Config{RetransmitTimeout: time.Second, Faults: f} }
	part := func(p ...Partition) Config { return with(Faults{Partitions: p}) }
	ab := func(a, b []string) Partition {
		return Partition{From: time.Second, To: 2 * time.Second, A: a, B: b}
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"zero", with(Faults{}), ""},
		{"every fault", Config{
			RetransmitTimeout: time.Second,
			RTT:               []RTTOverride{{"eu-west-1", "lab", time.Millisecond}},
			Faults: Faults{Duplicate: 0.999, Reorder: 1, ReorderDelay: Constant(1), ExtraDelay: Constant(0), Partitions: []Partition{
				{From: 0, To: 1, A: []string{"region:lab", "x"}, B: nil, OneWay: true},
			}},
		}, ""},
		{"duplicate negative", with(Faults{Duplicate: -0.1}), "faults.duplicate: must be in [0, 1)"},
		{"duplicate one", with(Faults{Duplicate: 1}), "faults.duplicate: must be in [0, 1)"},
		{"duplicate NaN", with(Faults{Duplicate: math.NaN()}), "faults.duplicate: must be in [0, 1)"},
		{"reorder above one", with(Faults{Reorder: 1.5, ReorderDelay: Constant(1)}), "faults.reorder: must be in [0, 1]"},
		{"reorder NaN", with(Faults{Reorder: math.NaN(), ReorderDelay: Constant(1)}), "faults.reorder: must be in [0, 1]"},
		{"reorder without delay", with(Faults{Reorder: 0.1}), "faults.reorder_delay: required"},
		{"delay without reorder", with(Faults{ReorderDelay: Constant(1)}), "faults.reorder_delay: set, but faults.reorder is 0"},
		{"from negative", part(Partition{From: -1, To: 1, A: []string{"a"}}), "faults.partitions[0].from: must be ≥ 0"},
		{"empty window", part(ab([]string{"a"}, nil), Partition{From: 5, To: 5, A: []string{"a"}}), "faults.partitions[1].to: must be after from"},
		{"empty A", part(ab(nil, []string{"b"})), "faults.partitions[0].a: must name at least one node or region"},
		{"empty selector", part(ab([]string{"a"}, []string{"b", ""})), "faults.partitions[0].b[1]: empty selector"},
		{"unknown region", part(ab([]string{"a", "region:mars-1"}, nil)), `faults.partitions[0].a[1]: unknown region "mars-1"`},
		{"empty region", part(ab([]string{"a"}, []string{"region:"})), `faults.partitions[0].b[0]: unknown region ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(sim.New(1), tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Errorf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: err = %v, want one containing %q", err, tc.want)
			}
			// Config.ValidateFaults reports the same problem.
			if err := tc.cfg.ValidateFaults(nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ValidateFaults: err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFaultsUnknownNodes: node-name selectors are checked by Config.ValidateFaults against a
// list of names, by Network.ValidateFaults against the nodes added, and by the first Send.
func TestFaultsUnknownNodes(t *testing.T) {
	cfg := Config{RetransmitTimeout: time.Second, Faults: Faults{Partitions: []Partition{
		{From: 0, To: time.Second, A: []string{"alice", "region:eu-west-1"}},
		{From: 0, To: time.Second, A: []string{"alice"}, B: []string{"bob", "carol"}},
	}}}
	tests := []struct {
		nodes []string
		want  string // "" = valid
	}{
		{[]string{"alice", "bob", "carol"}, ""},
		{[]string{"carol", "bob", "alice", "dave"}, ""},
		{[]string{"bob", "carol"}, `faults.partitions[0].a[0]: unknown node "alice"`},
		{[]string{"alice", "bob"}, `faults.partitions[1].b[1]: unknown node "carol"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.nodes, ","), func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
					t.Errorf("%s: err = %v, want %q", what, err, tc.want)
				}
			}
			check("Config.ValidateFaults", cfg.ValidateFaults(tc.nodes))
			k := sim.New(1)
			n := mustNew(t, k, cfg)
			for _, name := range tc.nodes {
				mustAdd(t, n, name, "us-east-1", "datacenter")
			}
			check("Network.ValidateFaults", n.ValidateFaults())
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				n.Send(0, 1, 10, &countSink{}, 0, nil)
			}()
			check("first Send", err)
		})
	}
}

// TestDuplicateRate: the number of duplicated messages is binomial(n, p); each message is
// delivered once or twice, with its payload, at exactly the fault-free instant when latencies
// are constant; counters agree with the deliveries.
func TestDuplicateRate(t *testing.T) {
	const (
		msgs = 20_000
		size = 100
		lat  = 3 * time.Millisecond
	)
	for _, p := range []float64{0.01, 0.25, 0.5, 0.9} {
		t.Run(fmt.Sprintf("p=%v", p), func(t *testing.T) {
			k := sim.New(21)
			n := mustNew(t, k, Config{
				Access: map[string]Access{"x": fixed(lat, 0, 0, 0)},
				Faults: Faults{Duplicate: p},
			})
			a := mustAdd(t, n, "a", "eu-west-1", "x")
			b := mustAdd(t, n, "b", "eu-central-1", "x")
			rtt, _ := RegionRTT("eu-west-1", "eu-central-1")
			base := sim.Time(0).Add(2*lat + rtt/2)
			s := newMultiSink(msgs)
			payloads := make([]int, msgs)
			for i := range msgs {
				n.Send(a, b, size, s, i, &payloads[i])
			}
			k.RunAll()
			var twice int64
			for i, at := range s.at {
				if len(at) < 1 || len(at) > 2 {
					t.Fatalf("message %d delivered %d times", i, len(at))
				}
				for _, d := range at {
					if d != base {
						t.Fatalf("message %d delivered at %v, want %v", i, d, base)
					}
				}
				if s.data[i] != &payloads[i] {
					t.Fatalf("message %d carried the wrong payload", i)
				}
				if len(at) == 2 {
					twice++
				}
			}
			sa, sb := n.Stats(a), n.Stats(b)
			if sa.Duplicated != twice || sb.MsgsIn != msgs+twice || sb.BytesIn != size*(msgs+twice) ||
				sa.BytesOut != size*msgs || sa.Retransmits != 0 {
				t.Errorf("sender %+v, receiver %+v, duplicated deliveries %d", sa, sb, twice)
			}
			if frac := float64(twice) / msgs; math.Abs(frac-p) > binomialTol(p, msgs) {
				t.Errorf("duplicated fraction %.4f, want %.4f ± %.4f", frac, p, binomialTol(p, msgs))
			}
		})
	}
}

// TestDuplicateIndependentDraws replays the streams: originals take exactly the fault-free
// latency draws ("network/latency"), and a duplicate's arrival is sent + lat′(from) + RTT/2 +
// lat′(to) + X′ with the coin and all its draws from "network/faults/duplicate".
func TestDuplicateIndependentDraws(t *testing.T) {
	const (
		seed = 8
		msgs = 3000
		p    = 0.4
	)
	latA := ShiftedExponential(2*time.Millisecond, 3*time.Millisecond)
	latB := LogNormal(4*time.Millisecond, 0.6)
	extra := ShiftedExponential(time.Millisecond, 5*time.Millisecond)
	k := sim.New(seed)
	n := mustNew(t, k, Config{
		Access: map[string]Access{"a": {Latency: latA}, "b": {Latency: latB}},
		Faults: Faults{Duplicate: p, ExtraDelay: extra},
	})
	a := mustAdd(t, n, "a", "us-east-1", "a")
	b := mustAdd(t, n, "b", "us-west-2", "b")
	rtt2 := n.rtt.at(int(n.nodes[a].region), int(n.nodes[b].region)) / 2
	s := newMultiSink(msgs)
	for i := range msgs {
		n.Send(a, b, 1, s, i, nil)
	}
	k.RunAll()
	latR := sim.NewStream(seed, "network/latency")
	dupR := sim.NewStream(seed, "network/faults/duplicate")
	extraR := sim.NewStream(seed, "network/faults/delay")
	dups := 0
	for i := range msgs {
		want := []sim.Time{sim.Time(latA.Sample(latR) + rtt2 + latB.Sample(latR) + extra.Sample(extraR))}
		if dupR.Float64() < p {
			want = append(want, sim.Time(latA.Sample(dupR)+rtt2+latB.Sample(dupR)+extra.Sample(dupR)))
			dups++
		}
		got := s.at[i]
		if len(got) != len(want) {
			t.Fatalf("message %d delivered %d times, want %d", i, len(got), len(want))
		}
		// Both copies are delivered; with equal times the original (scheduled first) comes first.
		if len(want) == 2 && want[1] < want[0] {
			want[0], want[1] = want[1], want[0]
		}
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("message %d delivery %d at %d ns, want %d ns", i, j, got[j], want[j])
			}
		}
	}
	if dups == 0 || n.Stats(a).Duplicated != int64(dups) {
		t.Errorf("Duplicated %d, replay %d", n.Stats(a).Duplicated, dups)
	}
}

// TestReorder: messages sent every millisecond; a fraction Reorder of them is held back by a
// draw from ReorderDelay, replayed from "network/faults/reorder", so each delivery is at exactly
// send + base + H. Held-back messages are overtaken.
func TestReorder(t *testing.T) {
	const (
		seed = 31
		msgs = 4000
		p    = 0.3
		lat  = 5 * time.Millisecond
	)
	tests := []struct {
		name string
		d    Dist
	}{
		{"constant", Constant(50 * time.Millisecond)},
		{"shifted_exponential", ShiftedExponential(5*time.Millisecond, 20*time.Millisecond)},
		{"lognormal", LogNormal(30*time.Millisecond, 0.8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(seed)
			n := mustNew(t, k, Config{
				Access: map[string]Access{"x": fixed(lat, 0, 0, 0)},
				Faults: Faults{Reorder: p, ReorderDelay: tc.d},
			})
			a := mustAdd(t, n, "a", "sa-east-1", "x")
			b := mustAdd(t, n, "b", "sa-east-1", "x")
			base := 2*lat + IntraRegionRTT/2
			s := newMultiSink(msgs)
			sent := make([]sim.Time, msgs)
			for i := range msgs {
				sent[i] = k.Now()
				n.Send(a, b, 1, s, i, nil)
				k.Run(k.Now().Add(time.Millisecond))
			}
			k.RunAll()
			r := sim.NewStream(seed, "network/faults/reorder")
			held := 0
			for i := range msgs {
				var h time.Duration
				if r.Float64() < p {
					h = tc.d.Sample(r)
					held++
				}
				if len(s.at[i]) != 1 {
					t.Fatalf("message %d delivered %d times", i, len(s.at[i]))
				}
				if want := sent[i].Add(base + h); s.at[i][0] != want {
					t.Fatalf("message %d delivered at %v, want send %v + base %v + hold %v", i, s.at[i][0], sent[i], base, h)
				}
			}
			if st := n.Stats(a); st.Reordered != int64(held) {
				t.Errorf("Reordered %d, replay %d", st.Reordered, held)
			}
			if frac := float64(held) / msgs; math.Abs(frac-p) > binomialTol(p, msgs) {
				t.Errorf("held-back fraction %.4f, want %.4f ± %.4f", frac, p, binomialTol(p, msgs))
			}
			overtaken := 0
			for i := 1; i < msgs; i++ {
				if s.at[i][0] < s.at[i-1][0] {
					overtaken++
				}
			}
			if overtaken == 0 {
				t.Error("no message overtook the one sent before it")
			}
		})
	}
}

// TestPartitionDelivery: constant latencies, unlimited rates, RTO 200 ms. A message whose link
// is cut when it is sent is delivered at the first retransmission at or after the end of the
// window plus propagation, or dropped after MaxRetransmits; counters agree.
func TestPartitionDelivery(t *testing.T) {
	const (
		rto = 200 * time.Millisecond
		lat = 5 * time.Millisecond
	)
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	base := 2*lat + IntraRegionRTT/2 // 10.5 ms
	sym := Partition{From: time.Second, To: 3 * time.Second, A: []string{"a"}, B: []string{"b"}}
	oneWay := sym
	oneWay.OneWay = true
	everyone := Partition{From: time.Second, To: 3 * time.Second, A: []string{"region:eu-west-1"}}
	tests := []struct {
		name      string
		parts     []Partition
		maxRetx   int
		from, to  string
		sendAt    time.Duration
		wantAt    time.Duration // -1: dropped
		wantParts int64         // transmissions lost to the partition
	}{
		{"before window", []Partition{sym}, 0, "a", "b", ms(500), ms(500) + base, 0},
		{"at window start", []Partition{sym}, 0, "a", "b", ms(1000), ms(3000) + base, 10},
		{"inside window", []Partition{sym}, 0, "a", "b", ms(1500), ms(3100) + base, 8},
		{"inside, unaligned", []Partition{sym}, 0, "a", "b", ms(1050), ms(3050) + base, 10},
		{"just before end", []Partition{sym}, 0, "a", "b", ms(2999), ms(3199) + base, 1},
		{"at window end", []Partition{sym}, 0, "a", "b", ms(3000), ms(3000) + base, 0},
		{"symmetric reverse", []Partition{sym}, 0, "b", "a", ms(1500), ms(3100) + base, 8},
		{"outsider", []Partition{sym}, 0, "a", "c", ms(1500), ms(1500) + base, 0},
		{"one-way A→B", []Partition{oneWay}, 0, "a", "b", ms(1500), ms(3100) + base, 8},
		{"one-way B→A", []Partition{oneWay}, 0, "b", "a", ms(1500), ms(1500) + base, 0},
		{"empty B: everyone", []Partition{everyone}, 0, "c", "a", ms(1500), ms(3100) + base, 8},
		{"empty B: same side", []Partition{everyone}, 0, "a", "b", ms(1500), ms(1500) + base, 0},
		{"budget just enough", []Partition{sym}, 8, "a", "b", ms(1500), ms(3100) + base, 8},
		{"budget short: dropped", []Partition{sym}, 7, "a", "b", ms(1500), -1, 8},
		{"long partition: dropped", []Partition{{From: 0, To: time.Hour, A: []string{"a"}}}, 3, "a", "b", ms(100), -1, 4},
		{"overlapping windows", []Partition{sym, {From: 2 * time.Second, To: 4 * time.Second, A: []string{"b"}}}, 0,
			"a", "b", ms(1500), ms(4100) + base, 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(1)
			n := mustNew(t, k, Config{
				Access:            map[string]Access{"x": fixed(lat, 0, 0, 0)},
				RetransmitTimeout: rto,
				MaxRetransmits:    tc.maxRetx,
				// c is in "lab", outside eu-west-1 but as close as inside it.
				RTT:    []RTTOverride{{"eu-west-1", "lab", IntraRegionRTT}},
				Faults: Faults{Partitions: tc.parts},
			})
			ids := map[string]NodeID{}
			for _, name := range []string{"a", "b"} {
				ids[name] = mustAdd(t, n, name, "eu-west-1", "x")
			}
			ids["c"] = mustAdd(t, n, "c", "lab", "x")
			k.Run(sim.Time(tc.sendAt))
			s := newSink(1)
			n.Send(ids[tc.from], ids[tc.to], 10, s, 0, nil)
			k.RunAll()
			st := n.Stats(ids[tc.from])
			if tc.wantAt < 0 {
				if s.at[0] != -1 || st.Dropped != 1 {
					t.Errorf("delivered at %v, Dropped %d; want a drop", s.at[0], st.Dropped)
				}
				if want := sim.Time(tc.sendAt).Add(time.Duration(tc.maxRetx+1) * rto); k.Now() != want {
					t.Errorf("dropped at %v, want %v", k.Now(), want)
				}
			} else if want := sim.Time(tc.wantAt); s.at[0] != want {
				t.Errorf("delivered at %v, want %v", s.at[0], want)
			}
			if st.Partitioned != tc.wantParts {
				t.Errorf("Partitioned %d, want %d", st.Partitioned, tc.wantParts)
			}
			if wantRetx := tc.wantParts - st.Dropped; st.Retransmits != wantRetx {
				t.Errorf("Retransmits %d, want %d", st.Retransmits, wantRetx)
			}
		})
	}
}

// TestPartitioned checks Network.Partitioned, the cut relation, for node and region selectors,
// an empty B, side A's precedence, one-way partitions and window bounds.
func TestPartitioned(t *testing.T) {
	k := sim.New(1)
	n := mustNew(t, k, Config{Faults: Faults{Partitions: []Partition{
		// P0, [1 s, 2 s): eu-west-1 against everyone else.
		{From: 1 * time.Second, To: 2 * time.Second, A: []string{"region:eu-west-1"}},
		// P1, [3 s, 4 s): a → us-east-1 only.
		{From: 3 * time.Second, To: 4 * time.Second, A: []string{"a"}, B: []string{"region:us-east-1"}, OneWay: true},
		// P2, [5 s, 6 s): A = {a, c, d} (c also matches B: A wins), B = {b}; e on neither side.
		{From: 5 * time.Second, To: 6 * time.Second, A: []string{"a", "region:us-east-1"}, B: []string{"region:eu-west-1", "c"}},
	}}})
	ids := map[string]NodeID{}
	for _, nd := range []struct{ name, region string }{
		{"a", "eu-west-1"}, {"b", "eu-west-1"}, {"c", "us-east-1"}, {"d", "us-east-1"}, {"e", "ap-southeast-1"},
	} {
		ids[nd.name] = mustAdd(t, n, nd.name, nd.region, "wired")
	}
	s := func(v float64) sim.Time { return sim.Time(v * float64(time.Second)) }
	tests := []struct {
		from, to string
		at       sim.Time
		want     bool
	}{
		{"a", "c", s(0.999999999), false},
		{"a", "c", s(1), true},
		{"c", "a", s(1.5), true},
		{"e", "b", s(1.5), true},
		{"a", "b", s(1.5), false}, // same side
		{"c", "e", s(1.5), false}, // both on side B
		{"a", "c", s(2), false},   // the window is half-open
		{"a", "c", s(3.5), true},
		{"a", "d", s(3.5), true},
		{"c", "a", s(3.5), false}, // one way
		{"b", "c", s(3.5), false}, // b is on neither side of P1
		{"a", "e", s(3.5), false},
		{"a", "b", s(5.5), true},
		{"b", "a", s(5.5), true},
		{"c", "b", s(5.5), true}, // c is on side A despite matching B
		{"b", "d", s(5.5), true},
		{"a", "c", s(5.5), false}, // both on side A
		{"e", "b", s(5.5), false}, // e on neither side
		{"b", "b", s(5.5), false},
	}
	for _, tc := range tests {
		if got := n.Partitioned(ids[tc.from], ids[tc.to], tc.at); got != tc.want {
			t.Errorf("Partitioned(%s, %s, %v) = %v, want %v", tc.from, tc.to, tc.at, got, tc.want)
		}
	}
}

// TestFaultsAgainstGolden runs the golden workload of TestNoFaultGolden with faults that must
// leave it unchanged (partitions that never apply, a zero ExtraDelay) or shift every delivery
// by exactly a constant ExtraDelay d: arrivals all move by d, so the downlink queues, which
// keep their order, do too, and retransmissions do not depend on arrivals.
func TestFaultsAgainstGolden(t *testing.T) {
	golden := map[string][]string{}
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(string(mustRead(t, "testdata/nofault-golden.txt"))), "\n") {
		if name, ok := strings.CutPrefix(line, "# "); ok {
			cur = name
			continue
		}
		golden[cur] = append(golden[cur], line)
	}
	never := []Partition{
		{From: time.Hour, To: 2 * time.Hour, A: []string{"region:eu-west-1"}},        // after the run
		{From: 0, To: time.Hour, A: []string{"n0"}, B: []string{"n1"}, OneWay: true}, // no n0 → n1 traffic
	}
	tests := []struct {
		name   string
		faults Faults
		shift  time.Duration
	}{
		{"partitions that never cut", Faults{Partitions: never}, 0},
		{"zero extra delay", Faults{ExtraDelay: Constant(0)}, 0},
		{"extra delay 1ns", Faults{ExtraDelay: Constant(1)}, 1},
		{"extra delay 37ms", Faults{ExtraDelay: Constant(37 * time.Millisecond), Partitions: never}, 37 * time.Millisecond},
	}
	for _, tc := range tests {
		for _, gc := range goldenCases {
			t.Run(tc.name+"/"+gc.name, func(t *testing.T) {
				cfg := gc.cfg
				cfg.Faults = tc.faults
				got := goldenWorkload(t, gc.seed, cfg)
				want := golden[gc.name]
				if len(got) != len(want) {
					t.Fatalf("%d lines, golden %d", len(got), len(want))
				}
				for i := range len(got) - 1 { // the last line holds totals
					var gi, gt, wi, wt int64
					if _, err := fmt.Sscan(got[i], &gi, &gt); err != nil {
						t.Fatal(err)
					}
					if _, err := fmt.Sscan(want[i], &wi, &wt); err != nil {
						t.Fatal(err)
					}
					if wt >= 0 {
						wt += int64(tc.shift)
					}
					if gi != wi || gt != wt {
						t.Fatalf("message %d delivered at %d ns, want golden + %v = %d ns", gi, gt, tc.shift, wt)
					}
				}
				if tc.shift == 0 && got[len(got)-1] != want[len(want)-1] {
					t.Errorf("totals %q, golden %q", got[len(got)-1], want[len(want)-1])
				}
			})
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
