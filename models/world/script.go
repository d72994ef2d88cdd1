package world

import (
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// script runs a workload of kind script (scenarios.Workload): a chain of commits, then a fixed
// number of messages, each sent once its sender has processed the last commit.
type script struct {
	senders   []*client.Client
	commits   int // commits wanted
	started   int // commits asked for (WantCommit)
	done      int // commits accepted
	base      uint64
	waiting   map[*client.Client][]int // due messages waiting for their sender to catch up
	payload   int
	sentCount int
}

// inTurn returns n real members of the initial room, one from each provider in turn (providers in placement order,
// then members in order within each provider).
func (w *World) inTurn(n int, what string) ([]*client.Client, error) {
	out, ok := w.roundRobin(n, nil)
	if !ok {
		return nil, fmt.Errorf("%d %s wanted, the room has %d real members", n, what, len(out))
	}
	return out, nil
}

// roundRobin returns up to n real members of the initial room other than except (nil: none),
// one from each provider in turn (providers in placement order, then members in order within
// each provider), and whether it found n. inTurn and a call's participants both pick this way.
func (w *World) roundRobin(n int, except *client.Client) ([]*client.Client, bool) {
	var byProvider [][]*client.Client
	idx := map[string]int{}
	for _, c := range w.Clients[:w.initial] { // not churn's spare joiners
		if c.Modelled() || c == except {
			continue
		}
		h := w.homeOf[c.ID()]
		i, ok := idx[h]
		if !ok {
			i = len(byProvider)
			idx[h] = i
			byProvider = append(byProvider, nil)
		}
		byProvider[i] = append(byProvider[i], c)
	}
	var out []*client.Client
	for round := 0; len(out) < n; round++ {
		added := false
		for _, list := range byProvider {
			if round < len(list) && len(out) < n {
				out = append(out, list[round])
				added = true
			}
		}
		if !added {
			return out, false
		}
	}
	return out, true
}

// startScript begins a script workload when the measurement window opens.
func (w *World) startScript(wl *scenarios.Workload) error {
	senders, err := w.inTurn(wl.Senders, "script senders")
	if err != nil {
		return err
	}
	epoch, _ := w.Hub.RoomEpoch(RoomID)
	s := &script{senders: senders, commits: wl.Commits, base: epoch, waiting: map[*client.Client][]int{}, payload: wl.PayloadBytes}
	w.script = s
	w.prefetch.start(senders)
	start := w.K.Now()
	for i := 0; i < wl.Messages; i++ {
		i := i
		w.K.Schedule(start.Add(time.Duration(i)*time.Duration(wl.Gap)), sim.HandlerFunc(func(*sim.Kernel, sim.Event) {
			w.scriptMessage(i)
		}), 0, nil)
	}
	w.scriptStep()
	return nil
}

// final is the epoch every message belongs to.
func (s *script) final() uint64 { return s.base + uint64(s.commits) }

// scriptStep asks the next committer for its commit once the previous one is accepted and the
// committer has processed it.
func (w *World) scriptStep() {
	s := w.script
	if s == nil || s.started == s.commits || s.done < s.started {
		return
	}
	c := s.senders[s.started%len(s.senders)]
	if c.Epoch() < s.base+uint64(s.started) {
		return // scriptEpoch calls again when c catches up
	}
	s.started++
	c.WantCommit(client.CommitPolicy{Kind: client.PolicyImmediate}, w.K.Stream(fmt.Sprintf("script/commit/%d", s.started)))
}

// scriptMessage sends message i now, or when its sender reaches the final epoch.
func (w *World) scriptMessage(i int) {
	s := w.script
	c := s.senders[i%len(s.senders)]
	if c.Epoch() < s.final() {
		s.waiting[c] = append(s.waiting[c], i)
		return
	}
	s.sentCount++
	c.SendMessage(s.payload)
}

// scriptEpoch is told when a client reaches a new epoch.
func (w *World) scriptEpoch(c *client.Client) {
	s := w.script
	if s == nil {
		return
	}
	if q := s.waiting[c]; len(q) > 0 && c.Epoch() >= s.final() {
		delete(s.waiting, c)
		for range q {
			s.sentCount++
			c.SendMessage(s.payload)
		}
	}
	w.scriptStep()
}

// scriptCommitted is told when a wished commit was accepted.
func (w *World) scriptCommitted() {
	if s := w.script; s != nil {
		s.done++
		w.scriptStep()
	}
}
