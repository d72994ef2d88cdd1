package client

import (
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/gomls"
	"github.com/mimisim/mimisim/sim"
)

// wallCost is a measured model: elapsed × 3, and 1 ms for what was not timed.
type wallCost struct{}

func (wallCost) CPU(mls.Op, int, string) time.Duration { return time.Millisecond }
func (wallCost) Charge(_ mls.Op, _ int, _ string, elapsed time.Duration) time.Duration {
	return 3 * elapsed
}

// slowMember is a member whose Protect takes at least 2 ms of wall-clock time.
type slowMember struct{ mls.Member }

func (slowMember) Protect(pt []byte) ([]byte, error) {
	for start := time.Now(); time.Since(start) < 2*time.Millisecond; {
	}
	return pt, nil
}

func TestMeasuredChargesWallClock(t *testing.T) {
	k := sim.New(1)
	eng, err := gomls.New().NewClient("a@hub", []byte("seed"))
	if err != nil {
		t.Fatal(err)
	}
	c := New(k, nil, Config{ID: "a@hub", Device: "phone", Room: "r"}, eng, wallCost{}, &log{}, NewLedger(k.Stream("p")))
	if c.watch == nil {
		t.Fatal("a measured model installed no stopwatch")
	}
	if err := c.CreateGroup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.member.(timedMember); !ok {
		t.Fatalf("the member is a %T, not timed", c.member)
	}
	// CreateGroup was timed and charged: neither zero nor the fallback's 1 ms exactly.
	if c.CPUBusy() <= 0 || c.CPUBusy() == time.Millisecond {
		t.Fatalf("create_group charged %v", c.CPUBusy())
	}
	c.member = timedMember{Member: slowMember{c.member.(timedMember).Member}, s: c.watch}
	if _, err := c.member.Protect([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if d := c.charge(mls.OpUnprotect, 2); d != time.Millisecond {
		t.Errorf("an op that was not the timed one charged %v, want the fallback", d)
	}
	if _, err := c.member.Protect([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if d := c.charge(mls.OpProtect, 2); d < 6*time.Millisecond {
		t.Errorf("a 2 ms protect charged %v, want at least 3 × 2 ms", d)
	}
	if d := c.charge(mls.OpProtect, 2); d != time.Millisecond {
		t.Errorf("a second charge of the same call gave %v, want the fallback", d)
	}
}

func TestCalibratedIsNotTimed(t *testing.T) {
	k := sim.New(1)
	eng, _ := gomls.New().NewClient("a@hub", []byte("seed"))
	c := New(k, nil, Config{ID: "a@hub", Device: "phone", Room: "r"}, eng, flatCost{}, &log{}, NewLedger(k.Stream("p")))
	if err := c.CreateGroup(); err != nil {
		t.Fatal(err)
	}
	if c.watch != nil || c.CPUBusy() != time.Millisecond {
		t.Fatalf("table model: stopwatch %v, charged %v", c.watch, c.CPUBusy())
	}
	if _, ok := c.member.(timedMember); ok {
		t.Fatal("a table model's member is timed")
	}
}

// argCost charges a different time for each (op, size, device) and counts its calls.
type argCost struct{ calls int }

func (a *argCost) CPU(op mls.Op, n int, device string) time.Duration {
	a.calls++
	return time.Duration(len(op)*1000+n) * time.Microsecond * time.Duration(len(device))
}

// TestChargeReusesLastCost: a client charges what its model says for every (op, size), and
// asks the model again only when they change.
func TestChargeReusesLastCost(t *testing.T) {
	m := &argCost{}
	c := New(sim.New(1), nil, Config{ID: "a@hub", Device: "phone", Room: "r"}, nil, m, &log{}, nil)
	steps := []struct {
		op    mls.Op
		n     int
		calls int // the model's calls so far
	}{
		{mls.OpUnprotect, 10, 1}, {mls.OpUnprotect, 10, 1}, {mls.OpUnprotect, 11, 2},
		{mls.OpProcessCommit, 11, 3}, {mls.OpProcessCommit, 11, 3}, {mls.OpUnprotect, 11, 4},
	}
	for i, s := range steps {
		want := (&argCost{}).CPU(s.op, s.n, "phone")
		if got := c.charge(s.op, s.n); got != want {
			t.Errorf("step %d: charge(%s, %d) = %v, want %v", i, s.op, s.n, got, want)
		}
		if m.calls != s.calls {
			t.Errorf("step %d: the model was asked %d times, want %d", i, m.calls, s.calls)
		}
	}
}
