package world

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/engines"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// adversarial is a small scenario with churn and, in the options, a hostile follower.
func adversarial(seed uint64) string {
	return smallScenario(8, seed, "churn: {leave_rate: 0.3, join_rate: 0.3, self_leave: 0.5, joiners: 2, rejoin: true}\n")
}

func adversarialOptions(e mls.Engine) Options {
	return Options{Engine: e, Cost: linearCost{},
		Hostile: &HostileWorkload{Provider: "us", Tamper: 0.1, Replay: 0.1, Reorder: 0.1},
		Churn:   &ChurnWorkload{LeaveRate: 0.3, JoinRate: 0.3, SelfLeave: 0.5, Joiners: 2, Rejoin: true}}
}

func invariant(t *testing.T, v *results.Invariants, name string) results.Invariant {
	t.Helper()
	for _, inv := range v.Invariants {
		if inv.Name == name {
			return inv
		}
	}
	t.Fatalf("no invariant %s", name)
	return results.Invariant{}
}

func count(inv results.Invariant, name string) int64 {
	for _, c := range inv.Counts {
		if c.Name == name {
			return c.Value
		}
	}
	return -1
}

// TestInvariantsHoldOnDefault: every invariant holds on the default scenario (shortened), and
// checks something.
func TestInvariantsHoldOnDefault(t *testing.T) {
	sc := parse(t, smallScenario(9, 3, ""))
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Invariants
	if !v.Passed || len(v.Invariants) != 5 {
		t.Fatalf("invariants: %+v", v)
	}
	if inv := invariant(t, v, InvConvergence); inv.Checked != 9 {
		t.Errorf("convergence checked %d members, want 9", inv.Checked)
	}
	if inv := invariant(t, v, InvNothingLost); inv.Checked != int64(res.Deliveries) || count(inv, "decrypted") != int64(res.Deliveries) {
		t.Errorf("nothing_lost checked %d deliveries, %d decrypted; the run decrypted %d", inv.Checked, count(inv, "decrypted"), res.Deliveries)
	}
	if inv := invariant(t, v, InvE2E); inv.Checked == 0 || count(inv, "plaintexts_indexed") != int64(res.Sent) {
		t.Errorf("e2e scanned %d bodies and indexed %d plaintexts of %d", inv.Checked, count(inv, "plaintexts_indexed"), res.Sent)
	}
	if len(v.Refusals) != 0 {
		t.Errorf("refusals in an honest run: %+v", v.Refusals)
	}
}

// TestHostileFollowerAndChurn: under churn and a hostile follower every invariant holds, the
// hostile copies are all refused (and counted by member and kind), removed members try and
// fail to decrypt later messages, and the run is deterministic.
func TestHostileFollowerAndChurn(t *testing.T) {
	run := func() *Result {
		res, err := Run(parse(t, adversarial(4)), adversarialOptions(engine(t)))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run()
	v := res.Invariants
	rej := invariant(t, v, InvRejection)
	if rej.Checked == 0 || count(rej, "hostile_refused") != rej.Checked || count(rej, "tampered_copies") == 0 ||
		count(rej, "replayed_copies") == 0 || count(rej, "reordered_deliveries") == 0 {
		t.Errorf("hostile_rejected: %+v", rej)
	}
	kinds := map[string]bool{}
	for _, r := range v.Refusals {
		if !strings.HasSuffix(r.Member, "@us") {
			t.Errorf("%s of an honest follower refused %d events (%s)", r.Member, r.Count, r.Kind)
		}
		kinds[r.Kind] = true
	}
	if !kinds["decrypt"] {
		t.Errorf("refusal kinds %v lack decrypt", kinds)
	}
	pr := invariant(t, v, InvPostRemoval)
	if count(pr, "removed_members") == 0 || pr.Checked == 0 {
		t.Errorf("post_removal_secrecy: %+v", pr)
	}
	if ch := res.World.churn; ch.proposals == 0 || ch.removed <= ch.proposals || ch.added == 0 {
		t.Errorf("churn: %d self-leave proposals, %d removed, %d added", ch.proposals, ch.removed, ch.added)
	}
	lost := invariant(t, v, InvNothingLost)
	if lost.Checked <= count(lost, "decrypted") && count(lost, "undelivered_tampered") == 0 {
		t.Errorf("nothing_lost: %+v", lost)
	}
	if !v.Passed {
		t.Fatalf("invariants: %+v", v)
	}
	again := run()
	a, b := res.Invariants, again.Invariants
	if res.Deliveries != again.Deliveries || len(a.Refusals) != len(b.Refusals) ||
		count(invariant(t, a, InvRejection), "hostile_refused") != count(invariant(t, b, InvRejection), "hostile_refused") {
		t.Errorf("two runs with the same seed differ")
	}
}

// fault is an engine whose members misbehave as a test asks, to show that each invariant can
// fail and reports a counter-example.
type fault struct {
	mls.Engine
	member func(id string, m mls.Member) mls.Member
}

type faultClient struct {
	mls.Client
	f *fault
}

func (f *fault) NewClient(id string, seed []byte) (mls.Client, error) {
	c, err := f.Engine.NewClient(id, seed)
	return &faultClient{c, f}, err
}

func (c *faultClient) CreateGroup(g []byte) (mls.Member, error) {
	m, err := c.Client.CreateGroup(g)
	if err != nil {
		return nil, err
	}
	return c.f.member(c.Identity(), m), nil
}

func (c *faultClient) Join(w []byte) (mls.Member, error) {
	m, err := c.Client.Join(w)
	if err != nil {
		return nil, err
	}
	return c.f.member(c.Identity(), m), nil
}

// Members with one fault each.
type (
	// forgetful loses its authenticator: it reports another one (convergence).
	forgetful struct{ mls.Member }
	// dropper fails to decrypt its third message (nothing_lost).
	dropper struct {
		mls.Member
		n *int
	}
	// leaky puts the plaintext in front of the ciphertext (e2e_encryption).
	leaky struct{ mls.Member }
	// seer "decrypts" messages of later epochs (post_removal_secrecy).
	seer struct{ mls.Member }
	// credulous takes a commit that does not verify for done, without applying it
	// (hostile_rejected).
	credulous struct{ mls.Member }
)

func (m forgetful) EpochAuthenticator() []byte { return []byte("not the group's") }

func (m dropper) Unprotect(ct []byte) ([]byte, error) {
	if *m.n++; *m.n == 3 {
		return nil, errors.New("dropped")
	}
	return m.Member.Unprotect(ct)
}

func (m leaky) Protect(pt []byte) ([]byte, error) {
	ct, err := m.Member.Protect(pt)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(pt)))
	return append(append(out, pt...), ct...), err
}

func (m leaky) Unprotect(b []byte) ([]byte, error) {
	return m.Member.Unprotect(b[4+binary.BigEndian.Uint32(b):])
}

func (m seer) Unprotect(ct []byte) ([]byte, error) {
	pt, err := m.Member.Unprotect(ct)
	if errors.Is(err, mls.ErrWrongEpoch) {
		return []byte("seen"), nil
	}
	return pt, err
}

func (m credulous) Process(hs [][]byte) error {
	err := m.Member.Process(hs)
	if err != nil && !errors.Is(err, mls.ErrRemoved) && !errors.Is(err, mls.ErrWrongEpoch) {
		return nil
	}
	return err
}

// TestEachInvariantCanFail: a deliberate fault breaks each invariant, and the run fails with
// an InvariantError naming it, a counter-example and the seed.
func TestEachInvariantCanFail(t *testing.T) {
	victim := "c001@us"
	tests := []struct {
		name      string
		scenario  string
		hostile   bool
		invariant string
		member    func(id string, m mls.Member) mls.Member
		message   bool // the counter-example names a message
	}{
		{"member with another authenticator", smallScenario(6, 2, ""), false, InvConvergence,
			func(id string, m mls.Member) mls.Member {
				if id == victim {
					return forgetful{m}
				}
				return m
			}, false},
		{"member that drops a message", smallScenario(6, 2, ""), false, InvNothingLost,
			func(id string, m mls.Member) mls.Member {
				if id == victim {
					return dropper{m, new(int)}
				}
				return m
			}, true},
		{"member that leaks plaintext to its provider", smallScenario(6, 2, ""), false, InvE2E,
			func(id string, m mls.Member) mls.Member { return leaky{m} }, true},
		{"removed member that reads later epochs", adversarial(4), false, InvPostRemoval,
			func(id string, m mls.Member) mls.Member { return seer{m} }, true},
		{"member that accepts hostile copies", adversarial(4), true, InvRejection,
			func(id string, m mls.Member) mls.Member { return credulous{m} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := adversarialOptions(&fault{Engine: engine(t), member: tt.member})
			if !tt.hostile {
				opts.Hostile = nil
			} else {
				opts.Hostile.Tamper = 0.5
			}
			if !strings.Contains(tt.scenario, "churn") {
				opts.Churn = nil
			}
			res, err := Run(parse(t, tt.scenario), opts)
			var ie *InvariantError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InvariantError", err)
			}
			if ie.Invariant.Name != tt.invariant || ie.Invariant.Counter == nil || ie.Invariant.Violations == 0 {
				t.Fatalf("first failed invariant %+v, want %s with a counter-example", ie.Invariant, tt.invariant)
			}
			if tt.message && ie.Invariant.Counter.MessageID == 0 && !strings.Contains(ie.Invariant.Counter.Detail, "message 0") {
				t.Errorf("counter-example names no message: %+v", ie.Invariant.Counter)
			}
			if !strings.Contains(err.Error(), "--seed ") || len(ie.Invariant.Counter.Actors) == 0 {
				t.Errorf("error %q lacks the seed or actors", err)
			}
			if res == nil || res.Invariants.Passed {
				t.Errorf("the result does not record the failure")
			}
			t.Log(err)
		})
	}
}

// TestInvariantsHoldOnEmbeddedDefault: the embedded default scenario (its window cut to 20 s)
// passes every invariant, each checking something.
func TestInvariantsHoldOnEmbeddedDefault(t *testing.T) {
	sc, _, err := scenarios.LoadEmbedded("default", limits())
	if err != nil {
		t.Fatal(err)
	}
	sc.Duration = scenarios.Duration(20 * time.Second)
	res, err := Run(sc, Options{Engine: engine(t), Cost: linearCost{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range res.Invariants.Invariants {
		if !inv.Passed {
			t.Errorf("%s violated: %+v", inv.Name, inv.Counter)
		}
	}
	if c := invariant(t, res.Invariants, InvConvergence).Checked; c != 32 {
		t.Errorf("convergence checked %d members, want 32", c)
	}
	if c := invariant(t, res.Invariants, InvNothingLost).Checked; c != int64(res.Deliveries) || c == 0 {
		t.Errorf("nothing_lost checked %d deliveries of %d", c, res.Deliveries)
	}
}

// BenchmarkPlaintextScan measures the e2e_encryption scan: bytes of message bodies scanned per
// second against 10 000 indexed plaintexts (b.SetBytes: MB/s is the scan rate).
func BenchmarkPlaintextScan(b *testing.B) {
	w := &World{Ledger: client.NewLedger(rand.New(rand.NewPCG(1, 2)))}
	for i := range 10000 {
		w.Ledger.New(fmt.Sprintf("c%03d@prov", i%100), 0, 100)
	}
	s := newPlaintextScan(w)
	body := make([]byte, 400)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s.tap(0, 0, body)
	}
	b.ReportMetric(float64(s.hits)/float64(b.N), "filter_hits/body")
}

// TestTamperedCopyCostsTheOriginalOnGomls pins the finding documented in
// docs/scenario-format.md: go-mls deletes a generation's key when a decryption with it fails,
// so a tampered copy sent ahead of a message costs its recipient the original; the rfc9420
// engine keeps the key and decrypts the original. Both refuse every tampered copy.
func TestTamperedCopyCostsTheOriginalOnGomls(t *testing.T) {
	for _, tt := range []struct {
		engine   string
		wantLoss bool
	}{{"gomls", true}, {"rfc9420", false}} {
		e, err := engines.Lookup(tt.engine)
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Engine: e, Cost: linearCost{}, Hostile: &HostileWorkload{Provider: "us", Tamper: 0.3}}
		res, err := Run(parse(t, smallScenario(8, 5, "")), opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.engine, err)
		}
		lost := count(invariant(t, res.Invariants, InvNothingLost), "undelivered_tampered")
		rej := invariant(t, res.Invariants, InvRejection)
		if count(rej, "tampered_copies") == 0 || count(rej, "hostile_refused") != rej.Checked {
			t.Errorf("%s: %+v", tt.engine, rej.Counts)
		}
		if (lost > 0) != tt.wantLoss {
			t.Errorf("%s: %d messages lost to tampered copies, want loss %v", tt.engine, lost, tt.wantLoss)
		}
	}
}

// TestRcptIndex: rcptIndex answers as slices.BinarySearch for lists with and without the
// sender missing, sparse lists and indices outside them.
func TestRcptIndex(t *testing.T) {
	all := func(n int, except ...int32) []int32 {
		var out []int32
		for i := int32(0); i < int32(n); i++ {
			if !slices.Contains(except, i) {
				out = append(out, i)
			}
		}
		return out
	}
	lists := map[string][]int32{
		"empty":           nil,
		"all":             all(50),
		"all but one":     all(50, 17),
		"all but first":   all(50, 0),
		"all but last":    all(50, 49),
		"all but several": all(50, 3, 4, 20, 41),
		"sparse":          {2, 5, 9, 30, 31, 200},
		"starts high":     {7, 8, 9},
	}
	for name, rcpt := range lists {
		for ci := int32(-2); ci < 210; ci++ {
			gotJ, gotOK := rcptIndex(rcpt, ci)
			wantJ, wantOK := slices.BinarySearch(rcpt, ci)
			if gotOK != wantOK || (wantOK && gotJ != wantJ) {
				t.Fatalf("%s: rcptIndex(%d) = %d, %v; BinarySearch %d, %v", name, ci, gotJ, gotOK, wantJ, wantOK)
			}
		}
	}
}

// TestPlaintextScanFindsEveryCopy: the strided scan finds a plaintext copied anywhere into a
// body, once per copy, for plaintexts long and short (a short one lowers the stride for all),
// and finds nothing in bodies without one.
func TestPlaintextScanFindsEveryCopy(t *testing.T) {
	for _, tc := range []struct {
		sizes  []int
		stride int // a power of two: 32 at most; at most what the shortest filler allows (a 7-byte
		// sender name, a 9-byte header; a 16-byte plaintext has no filler: 16 - 7 windows); at
		// most 131,072 windows in all
	}{
		{[]int{100, 120, 400}, 32},
		{[]int{100, 31, 100}, 8},
		{[]int{16, 100}, 8},
		{slices.Repeat([]int{100}, 20000), 4},
	} {
		sizes := tc.sizes
		k := sim.New(1)
		net, err := network.New(k, network.Config{RetransmitTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := net.AddNode("a", "eu-west-1", "datacenter")
		w := &World{K: k, Net: net, Ledger: client.NewLedger(rand.New(rand.NewPCG(1, 2)))}
		var pts [][]byte
		for i, n := range sizes {
			pts = append(pts, w.Ledger.New(fmt.Sprintf("c%d@prov", i), 0, n).Plaintext)
		}
		s := newPlaintextScan(w)
		rng := rand.New(rand.NewPCG(3, 4))
		random := func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}
		s.tap(a, a, random(5000))
		if s.leaks.n != 0 {
			t.Fatalf("stride %d: %d leaks found in random bytes", s.stride, s.leaks.n)
		}
		want := int64(0)
		for _, p := range pts[:min(len(pts), 3)] {
			for at := 0; at < 70; at++ {
				body := random(at + len(p) + rng.IntN(40))
				copy(body[at:], p)
				s.tap(a, a, body)
				want++
				if s.leaks.n != want {
					t.Fatalf("stride %d: a %d-byte plaintext at offset %d found %d times, want once", s.stride, len(p), at, s.leaks.n-want+1)
				}
			}
		}
		if s.stride != tc.stride {
			t.Errorf("%d plaintexts, the shortest %d bytes: stride %d, want %d", len(sizes), slices.Min(sizes), s.stride, tc.stride)
		}
		// A shorter plaintext sent later lowers the stride: everything is indexed again, and
		// both an old plaintext and the new one are found.
		short := w.Ledger.New("c9@prov", 0, 20).Plaintext
		body := random(300)
		copy(body[3:], pts[0])
		copy(body[200:], short)
		s.tap(a, a, body)
		if s.stride != min(tc.stride, 8) || s.leaks.n != want+2 {
			t.Fatalf("after a 20-byte plaintext (13 windows): stride %d (want %d), %d of 2 copies found", s.stride, min(tc.stride, 8), s.leaks.n-want)
		}
	}
}

// TestPlaintextStrideBudget: the stride falls with the plaintexts indexed, as the method text
// says: 32 up to 4,096 plaintexts, then halving, 1 beyond 65,536.
func TestPlaintextStrideBudget(t *testing.T) {
	for _, tc := range []struct{ count, stride int }{{1, 32}, {4096, 32}, {4097, 16}, {43690, 2}, {65536, 2}, {65537, 1}, {200000, 1}} {
		if k := budgetStride(tc.count); k != tc.stride {
			t.Errorf("%d plaintexts: stride %d, want %d", tc.count, budgetStride(tc.count), tc.stride)
		}
	}
}
