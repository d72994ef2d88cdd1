package world

import (
	"errors"
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// Metrics of the ops workload (scenario workload kind ops), one set per operation, grouped by
// the operation's name ("update", "message", "remove", "add"). Each is a difference over the operation's slot,
// in which nothing else happens on the network.
const (
	MetricOpWireBytes   = "op_wire_bytes"   // bytes the sender put on its uplink (transport overhead included)
	MetricOpSenderCPU   = "op_sender_cpu"   // virtual CPU the sender used, ms
	MetricOpReceiverCPU = "op_receiver_cpu" // virtual CPU each other member used, ms, one observation per member
	MetricOpConverge    = "op_converge"     // the sender starts → every remaining member at the new epoch (update, remove) or has decrypted the message (message), ms
	MetricOpHubCPU      = "op_hub_cpu"      // core time the hub used, ms
	MetricOpHubEgress   = "op_hub_egress"   // bytes the hub put on its uplink
	MetricOpJoinerCPU   = "op_joiner_cpu"   // add: virtual CPU the new member used to join from the Welcome, ms
	// MetricOpLimit is recorded instead of the others when the engine cannot perform the
	// operation at the room's size (an mls.LimitError of the sender): its value is that size.
	// The run goes on without the operation and Result.Limits keeps the engine's words.
	MetricOpLimit = "op_limit_reached"
)

// opTag marks the ledger entry of an ops-workload message.
const opTag = "op"

// opSlot is the operation under way and the counters when it started.
type opSlot struct {
	index   int
	name    string
	sender  *client.Client
	start   sim.Time
	epoch   uint64         // update, remove: the epoch every remaining member must reach
	victim  string         // remove: the member removed
	joiner  *client.Client // add: the member added
	limit   error          // the engine's LimitError, when it could not perform the operation
	reached int            // members at the new epoch, or recipients that decrypted the message
	want    int
	doneAt  sim.Time

	cpu      []time.Duration // per client, in w.Clients order
	out      int64           // the sender's network egress
	hubOut   int64
	hubBusy  time.Duration
	finished bool
}

// startOps schedules the operations of an ops workload: operation i begins i × gap after now
// and its slot closes at (i+1) × gap, before the next begins (events at one instant run in the
// order they were scheduled).
func (w *World) startOps() {
	wl := w.sc.Workload
	gap := wl.Gap.D()
	start := w.K.Now()
	for i, name := range wl.Ops {
		at := start.Add(time.Duration(i) * gap)
		w.K.Schedule(at, sim.HandlerFunc(func(*sim.Kernel, sim.Event) { w.beginOp(i, name) }), 0, nil)
		w.K.Schedule(at.Add(gap), sim.HandlerFunc(func(*sim.Kernel, sim.Event) { w.endOp() }), 0, nil)
	}
}

func (w *World) beginOp(i int, name string) {
	sender := w.creator()
	s := &opSlot{index: i, name: name, sender: sender, start: w.K.Now(),
		out: w.Net.Stats(sender.Node()).BytesOut, hubOut: w.Net.Stats(w.Hub.Node()).BytesOut, hubBusy: w.Hub.Stats().BusyNs}
	for _, c := range w.Clients {
		s.cpu = append(s.cpu, c.CPUBusy())
	}
	w.op = s
	switch name {
	case scenarios.OpUpdate:
		s.epoch, s.want = sender.Epoch()+1, w.active()
		if err := sender.CommitUpdate(); err != nil {
			w.opFailed(fmt.Errorf("operation %d (%s): %w", i, name, err))
		}
	case scenarios.OpMessage:
		s.want = w.active() - 1
		sender.SendTagged(w.sc.Workload.PayloadBytes, opTag)
	case scenarios.OpAdd:
		j := w.joiners[len(w.joinedAt)]
		if w.joinedAt == nil {
			w.joinedAt = make(map[string]sim.Time)
		}
		w.joinedAt[j.ID()] = w.K.Now()
		s.joiner = j
		s.epoch, s.want = sender.Epoch()+1, w.active()+1
		s.cpu = append(s.cpu, j.CPUBusy())
		sender.Invite([]string{j.ID()})
	case scenarios.OpRemove:
		victim := w.removable()
		if victim == nil {
			w.fail(fmt.Errorf("operation %d (%s): no real member other than the creator is left to remove", i, name))
			return
		}
		if w.removedAt == nil {
			w.removedAt = make(map[string]sim.Time)
		}
		w.removedAt[victim.ID()] = w.K.Now()
		s.victim = victim.ID()
		s.epoch, s.want = sender.Epoch()+1, w.active()
		if err := sender.RemoveMember(victim.ID(), victim.Member().Index()); err != nil {
			w.opFailed(fmt.Errorf("operation %d (%s of %s): %w", i, name, victim.ID(), err))
		}
	default:
		w.fail(fmt.Errorf("operation %d: unknown operation %q", i, name))
	}
}

// active is the number of members not removed.
func (w *World) active() int { return len(w.Clients) - len(w.removedAt) }

// removable returns the member an ops-workload remove takes out: the last real member, other
// than the creator, still in the room (a real one, so that its engine verifies the removal).
func (w *World) removable() *client.Client {
	creator := w.creator()
	for i := len(w.Clients) - 1; i >= 0; i-- {
		c := w.Clients[i]
		if _, gone := w.removedAt[c.ID()]; c != creator && !c.Modelled() && !gone {
			return c
		}
	}
	return nil
}

// opEpoch counts a member that reached a new epoch during a commit (update, remove, add).
func (w *World) opEpoch(epoch uint64, at sim.Time) {
	if s := w.op; s != nil && s.name != scenarios.OpMessage && epoch == s.epoch {
		w.opReached(at)
	}
}

// opReached counts one more member done with the operation.
func (w *World) opReached(at sim.Time) {
	s := w.op
	s.reached++
	if s.reached == s.want {
		s.doneAt = at
	}
}

// opFailed handles an error of the operation's sender: an engine limit is recorded as the
// operation's result, anything else fails the run.
func (w *World) opFailed(err error) {
	var le *mls.LimitError
	if s := w.op; s != nil && s.limit == nil && errors.As(err, &le) {
		s.limit = err
		return
	}
	w.fail(err)
}

// endOp closes the slot of the operation under way and records its observations.
func (w *World) endOp() {
	s := w.op
	if s == nil || w.failure != nil {
		return
	}
	w.op = nil
	if s.limit != nil {
		// The operation did not happen: the victim stays, the joiner stays outside.
		delete(w.removedAt, s.victim)
		if s.joiner != nil {
			delete(w.joinedAt, s.joiner.ID())
		}
		w.Limits = append(w.Limits, s.limit.Error())
		w.obs.Add(results.Observation{Metric: MetricOpLimit, Unit: "members", Group: s.name, TimeNs: int64(w.K.Now()),
			Source: s.sender.ID(), Value: float64(w.active())})
		return
	}
	if s.name == scenarios.OpRemove {
		if c := w.clientByID(s.victim); c == nil || !c.Left() {
			w.fail(fmt.Errorf("operation %d (%s): %s did not find itself removed", s.index, s.name, s.victim))
			return
		}
	}
	if s.reached < s.want {
		w.fail(fmt.Errorf("operation %d (%s) reached %d of %d members within workload.gap %s; make the gap longer",
			s.index, s.name, s.reached, s.want, w.sc.Workload.Gap))
		return
	}
	switch s.name {
	case scenarios.OpRemove:
		w.gone++
	case scenarios.OpAdd:
		w.added++
	}
	at := int64(w.K.Now())
	g := s.name
	obs := []results.Observation{
		{Metric: MetricOpWireBytes, Unit: "bytes", Group: g, TimeNs: at, Source: s.sender.ID(),
			Value: float64(w.Net.Stats(s.sender.Node()).BytesOut - s.out)},
		{Metric: MetricOpConverge, Unit: "ms", Group: g, TimeNs: at, Source: s.sender.ID(), Value: ms(s.doneAt.Sub(s.start))},
		{Metric: MetricOpHubCPU, Unit: "ms", Group: g, TimeNs: at, Source: w.Hub.Name(), Value: ms(w.Hub.Stats().BusyNs - s.hubBusy)},
		{Metric: MetricOpHubEgress, Unit: "bytes", Group: g, TimeNs: at, Source: w.Hub.Name(),
			Value: float64(w.Net.Stats(w.Hub.Node()).BytesOut - s.hubOut)},
	}
	for i, c := range w.Clients {
		if gone, ok := w.removedAt[c.ID()]; ok && gone < s.start {
			continue // left the room before this operation
		}
		o := results.Observation{Unit: "ms", Group: g, TimeNs: at, Source: c.ID(), Value: ms(c.CPUBusy() - s.cpu[i])}
		if c == s.sender {
			o.Metric = MetricOpSenderCPU
		} else {
			o.Metric = MetricOpReceiverCPU
		}
		obs = append(obs, o)
	}
	if j := s.joiner; j != nil {
		obs = append(obs, results.Observation{Metric: MetricOpJoinerCPU, Unit: "ms", Group: g, TimeNs: at, Source: j.ID(),
			Value: ms(j.CPUBusy() - s.cpu[len(s.cpu)-1])})
		w.Clients = append(w.Clients, j) // a member from now on
	}
	w.obs.Add(obs...)
}

// opJoined counts the joiner of an add.
func (w *World) opJoined(c *client.Client, at sim.Time) bool {
	s := w.op
	if s == nil || s.joiner != c {
		return false
	}
	w.opReached(at)
	return true
}

// buildJoiners creates, at the hub, one client outside the room per add of an ops workload: a
// real member with a KeyPackage stocked at the hub, on the creator's access type.
func (w *World) buildJoiners(keys interface{ Uint32() uint32 }) error {
	if w.sc.Workload.Kind != scenarios.WorkloadOps {
		return nil
	}
	adds := 0
	for _, op := range w.sc.Workload.Ops {
		if op == scenarios.OpAdd {
			adds++
		}
	}
	if adds == 0 {
		return nil
	}
	creator := w.creator()
	hubIndex, inRoom := 0, 0
	for i, p := range w.Providers {
		if p == w.Hub {
			hubIndex = i
		}
	}
	for _, c := range w.Clients {
		if w.homeOf[c.ID()] == w.Hub.Name() {
			inRoom++
		}
	}
	access := w.accessOf[creator.ID()]
	for k := range adds {
		id := mimi.ClientID(w.Hub.Name(), inRoom+k)
		node, err := w.Net.AddNode(id, w.sc.Providers[hubIndex].Region, access)
		if err != nil {
			return fmt.Errorf("joiner %s: %w", id, err)
		}
		seed := make([]byte, 32)
		for b := range seed {
			seed[b] = byte(keys.Uint32())
		}
		cfg := client.Config{ID: id, Device: w.sc.Room.Device, Room: RoomID, Provider: w.Hub.Node(), Node: node, Home: w.Hub.Name()}
		if w.SampledK > 0 {
			cfg.IsModelled, cfg.RoomSize, cfg.CiphertextSize = creator.SampledConfig()
		}
		ec, err := w.opts.Engine.NewClient(id, seed)
		if err != nil {
			return fmt.Errorf("joiner %s: %w", id, err)
		}
		kp, err := ec.KeyPackage()
		if err != nil {
			return fmt.Errorf("joiner %s: key package: %w", id, err)
		}
		w.Hub.StockKeyPackage(id, kp)
		w.Hub.AddClient(id, node)
		c := client.New(w.K, w.Wire, cfg, ec, w.opts.Cost, (*recorder)(w), w.Ledger)
		w.Wire.Dir.Register(node, c)
		w.joiners = append(w.joiners, c)
		w.homeOf[id] = w.Hub.Name()
	}
	return nil
}

func (w *World) clientByID(id string) *client.Client {
	for _, c := range w.Clients {
		if c.ID() == id {
			return c
		}
	}
	return nil
}
