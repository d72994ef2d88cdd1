package network

import (
	"testing"
	"time"

	"github.com/mimisim/mimisim/sim"
)

// dropSink counts deliveries and drops reported through Dropper.
type dropSink struct{ got, dropped int }

func (s *dropSink) Handle(*sim.Kernel, sim.Event) { s.got++ }
func (s *dropSink) Dropped(*sim.Kernel, int, any) { s.dropped++ }
func (s *dropSink) reset()                        { s.got, s.dropped = 0, 0 }
func newScoped(t *testing.T, f Faults) (*sim.Kernel, *Network, [3]NodeID) {
	t.Helper()
	k := sim.New(7)
	n, err := New(k, Config{RetransmitTimeout: 10 * time.Millisecond, MaxRetransmits: 2, Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	var ids [3]NodeID
	for i, name := range []string{"p1", "p2", "c1"} {
		access := "datacenter"
		if name == "c1" {
			access = "wifi"
		}
		if ids[i], err = n.AddNode(name, "eu-west-1", access); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.ValidateFaults(); err != nil {
		t.Fatal(err)
	}
	return k, n, ids
}

// TestFaultScope checks that duplication applies only to the links its scope selects.
func TestFaultScope(t *testing.T) {
	tests := []struct {
		scope              Scope
		wantCore, wantEdge bool // duplicates expected on p1→p2, on p1→c1
	}{
		{ScopeAll, true, true},
		{ScopeCore, true, false},
		{ScopeAccess, false, true},
	}
	for _, tc := range tests {
		k, n, id := newScoped(t, Faults{Duplicate: 0.5, Scope: tc.scope, Core: []string{"p1", "p2"}})
		s := &dropSink{}
		for i := 0; i < 200; i++ {
			n.Send(id[0], id[1], 100, s, 0, nil)
		}
		k.Run(sim.Time(time.Minute))
		if dup := s.got > 200; dup != tc.wantCore {
			t.Errorf("scope %d: p1→p2 got %d deliveries of 200 sends; duplicates wanted: %v", tc.scope, s.got, tc.wantCore)
		}
		s.reset()
		for i := 0; i < 200; i++ {
			n.Send(id[0], id[2], 100, s, 0, nil)
		}
		k.Run(sim.Time(2 * time.Minute))
		if dup := s.got > 200; dup != tc.wantEdge {
			t.Errorf("scope %d: p1→c1 got %d deliveries of 200 sends; duplicates wanted: %v", tc.scope, s.got, tc.wantEdge)
		}
	}
	if _, err := New(sim.New(1), Config{RetransmitTimeout: time.Second, Faults: Faults{Scope: ScopeCore}}); err == nil {
		t.Error("ScopeCore without Core: no error")
	}
}

// TestAddPartitionAndDropper checks a partition added at run time, and that a message given up
// on is reported to a Dropper handler.
func TestAddPartitionAndDropper(t *testing.T) {
	k, n, id := newScoped(t, Faults{})
	if err := n.AddPartition(Partition{From: 0, To: time.Second, A: []string{"p1"}, B: []string{"nobody"}}); err == nil {
		t.Error("AddPartition with an unknown node: no error")
	}
	if err := n.AddPartition(Partition{From: 0, To: time.Second, A: []string{"p1"}, OneWay: true}); err != nil {
		t.Fatal(err)
	}
	if !n.Partitioned(id[0], id[1], 0) || n.Partitioned(id[1], id[0], 0) || n.Partitioned(id[0], id[1], sim.Time(time.Second)) {
		t.Error("Partitioned disagrees with the one-way window [0, 1s) from p1")
	}
	s := &dropSink{}
	n.Send(id[0], id[1], 100, s, 0, nil) // 3 transmissions, 10ms apart, all inside the window
	n.Send(id[1], id[0], 100, s, 0, nil) // the other way gets through
	k.Run(sim.Time(time.Minute))
	if s.got != 1 || s.dropped != 1 {
		t.Errorf("got %d deliveries and %d drops, want 1 and 1", s.got, s.dropped)
	}
}

// TestEpisodes: an episode loses and delays only transmissions that start inside its window
// and on its links; an episode with scope core needs the core nodes.
func TestEpisodes(t *testing.T) {
	k, n, id := newScoped(t, Faults{Core: []string{"p1", "p2"}, Episodes: []Episode{
		{From: time.Second, To: 2 * time.Second, Delay: Constant(50 * time.Millisecond), Scope: ScopeCore},
	}})
	if err := n.AddEpisode(Episode{From: 3 * time.Second, To: 4 * time.Second, Loss: 0.5, Scope: ScopeAccess}); err != nil {
		t.Fatal(err)
	}
	got := map[NodeID][]sim.Time{}
	send := func(at time.Duration, from, to NodeID) {
		rec := sim.HandlerFunc(func(k *sim.Kernel, _ sim.Event) { got[to] = append(got[to], k.Now()) })
		k.Schedule(sim.Time(at), sim.HandlerFunc(func(*sim.Kernel, sim.Event) { n.Send(from, to, 0, rec, 0, nil) }), 0, nil)
	}
	send(0, id[0], id[1])                     // before the first episode
	send(1500*time.Millisecond, id[0], id[1]) // inside it, on a core link: 50 ms later
	send(1500*time.Millisecond, id[0], id[2]) // inside it, on an access link: untouched
	k.Run(sim.Time(2500 * time.Millisecond))
	core := got[id[1]]
	if len(core) != 2 || core[1].Sub(sim.Time(1500*time.Millisecond)) != core[0].Sub(0)+50*time.Millisecond {
		t.Errorf("core deliveries %v: want the one in the episode 50ms later than the one before it", core)
	}
	if len(got[id[2]]) != 1 || n.Stats(id[0]).EpisodeLost != 0 {
		t.Errorf("access deliveries %v: want one, nothing lost", got[id[2]])
	}
	for i := 0; i < 400; i++ {
		send(3*time.Second+time.Duration(i)*time.Millisecond, id[0], id[2])
	}
	k.Run(sim.Time(time.Minute))
	lost := n.Stats(id[0]).EpisodeLost
	// Each message has up to 3 transmissions 10 ms apart, all inside the window: expected
	// losses per message 0.5 + 0.25 + 0.125.
	if lost < 300 || lost > 400 {
		t.Errorf("%d transmissions of 400 messages lost to a 0.5 episode, want about 350", lost)
	}
	if err := n.AddEpisode(Episode{From: 0, To: time.Second, Loss: 1}); err == nil {
		t.Error("an episode with loss 1: no error")
	}
	if _, err := New(sim.New(1), Config{RetransmitTimeout: time.Second, Faults: Faults{Episodes: []Episode{{To: 1, Scope: ScopeCore}}}}); err == nil {
		t.Error("a core episode without Faults.Core: no error")
	}
}
