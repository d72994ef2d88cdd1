package world

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/sim"
)

// Call set-up designs (DMA Art. 7 phase 3), compared by CallWorkload.
const (
	// CallEpochKeys: media keys come from the room's current epoch (RFC 9605 §5.2, the MLS
	// exporter); no new commit. Signalling only.
	CallEpochKeys = "epoch_keys"
	// CallPerJoiner: a call sub-group (parent_dependent, fixed_membership) that the initiator
	// grows with one commit per joiner as their answers arrive; every commit rekeys the call.
	CallPerJoiner = "subgroup_per_joiner"
	// CallOneCommit: a call sub-group whose initiator adds every participant in one commit.
	CallOneCommit = "subgroup_one_commit"
)

// CallDesigns lists the designs.
var CallDesigns = []string{CallEpochKeys, CallPerJoiner, CallOneCommit}

// sframeLabel is the exporter label of RFC 9605 §5.2.
const sframeLabel = "SFrame 1.0 Base Key"

// CallWorkload starts one call at At after the window opens: the initiator (the hub's first
// member) and Participants−1 other real members (Participants 0: every real member) (taken from each provider in turn). The offer
// and each answer are encrypted room messages of SignalBytes; each participant then completes
// ICERoundTrips + DTLSRoundTrips round trips of 200-byte packets with a media server (SFU) in
// the hub's region, and derives its SFrame base key with the real MLS exporter.
//
// The sub-group of the subgroup designs is joined by a call session of each participant: its
// own MLS client and connection on the participant's device type and access network, with its
// own modelled core (an approximation: the device's main session and call session do not
// compete for CPU).
type CallWorkload struct {
	Design         string
	Participants   int
	At             time.Duration
	SignalBytes    int
	ICERoundTrips  int
	DTLSRoundTrips int
}

// Call metrics (one observation each per call, group "call").
const (
	MetricCallFirst   = "call_first_media" // offer → the first two participants can decrypt each other, ms
	MetricCallAll     = "call_all_media"   // offer → every participant can decrypt every other, ms
	MetricCallCommits = "call_commits"     // commits the call needed
	MetricCallBytes   = "call_bytes"       // bytes on the network from the offer to the last participant ready
	MetricCallReady   = "call_participant" // offer → this participant ready, ms, grouped by provider
	callPacketBytes   = 200                // ICE/DTLS packet size
	callSubRoom       = RoomID + "/call-1" // the sub-room of the subgroup designs
	callTagOffer      = "call-1/offer"     // tags of the signalling messages
	callTagAnswer     = "call-1/answer"    //
	callSessionPrefix = "call-"            // call sessions are "call-<client id>"
)

// call is the state of the one call of a run.
type call struct {
	cfg        *CallWorkload
	start      sim.Time
	bytes0     int64
	initiator  *client.Client
	parts      []*client.Client          // main-room clients in the call, initiator first
	sessions   map[string]*client.Client // call sessions by main client id
	byNode     map[string]*client.Client // main client by call-session id
	media      map[string]sim.Time       // ICE/DTLS done, by main client id
	keyed      map[string]sim.Time       // keyed for the final epoch, by main client id
	finalEpoch uint64
	commits    int
	queue      []string // subgroup_per_joiner: answered callees waiting to be added
	adding     bool
	done       bool
	sfu        network.NodeID
}

// buildCall creates the call sessions and the media server node (at Build time, so that their
// KeyPackages are published like everyone's).
func (w *World) buildCall(cw *CallWorkload) error {
	found := false
	for _, d := range CallDesigns {
		found = found || d == cw.Design
	}
	if !found {
		return fmt.Errorf("call design %q: allowed: %s", cw.Design, strings.Join(CallDesigns, ", "))
	}
	participants := cw.Participants
	if participants == 0 {
		for _, cl := range w.Clients {
			if !cl.Modelled() {
				participants++
			}
		}
	}
	if participants < 2 || cw.ICERoundTrips < 0 || cw.DTLSRoundTrips < 0 || cw.SignalBytes < 1 {
		return fmt.Errorf("call: need ≥ 2 participants, ≥ 0 round trips and signalling bytes ≥ 1")
	}
	c := &call{cfg: cw, sessions: map[string]*client.Client{}, byNode: map[string]*client.Client{},
		media: map[string]sim.Time{}, keyed: map[string]sim.Time{}}
	// Participants: the creator first, then real members from each provider in turn.
	c.initiator = w.creator()
	c.parts = []*client.Client{c.initiator}
	rest, ok := w.roundRobin(participants-1, c.initiator)
	c.parts = append(c.parts, rest...)
	if !ok {
		return fmt.Errorf("call: %d participants wanted, the room has %d real members", participants, len(c.parts))
	}
	hubRegion := w.Net.Node(w.Hub.Node()).Region
	sfu, err := w.Net.AddNode("sfu", hubRegion, "datacenter")
	if err != nil {
		return err
	}
	c.sfu = sfu
	w.Wire.Dir.Register(sfu, &sfuEcho{w: w})
	if cw.Design != CallEpochKeys {
		provider := map[string]*mimi.Provider{}
		for _, p := range w.Providers {
			provider[p.Name()] = p
		}
		for i, p := range c.parts {
			id := callSessionPrefix + p.ID()
			home := provider[w.homeOf[p.ID()]]
			info := w.Net.Node(p.Node())
			node, err := w.Net.AddNode(id, info.Region, info.Access)
			if err != nil {
				return err
			}
			seed := make([]byte, 32)
			copy(seed, id)
			ec, err := w.opts.Engine.NewClient(id, seed)
			if err != nil {
				return err
			}
			if i > 0 {
				kp, err := ec.KeyPackage()
				if err != nil {
					return err
				}
				home.StockKeyPackage(id, kp)
			}
			home.AddClient(id, node)
			s := client.New(w.K, w.Wire, client.Config{ID: id, Device: w.sc.Room.Device, Room: callSubRoom,
				Provider: home.Node(), Node: node, Home: home.Name()}, ec, w.opts.Cost, (*recorder)(w), w.Ledger)
			w.Wire.Dir.Register(node, s)
			w.homeOf[id] = home.Name()
			c.sessions[p.ID()] = s
			c.byNode[id] = p
		}
	}
	w.call = c
	return nil
}

// startCall places the call at its time in the window.
func (w *World) startCall() {
	c := w.call
	w.K.Schedule(w.K.Now().Add(c.cfg.At), sim.HandlerFunc(func(k *sim.Kernel, _ sim.Event) {
		c.start = k.Now()
		c.bytes0 = w.Net.Totals().BytesOut
		c.initiator.SendTagged(c.cfg.SignalBytes, callTagOffer)
		w.startMedia(c.initiator)
		switch c.cfg.Design {
		case CallEpochKeys:
			w.keyFromRoom(c.initiator)
		default:
			s := c.sessions[c.initiator.ID()]
			if err := s.CreateGroup(); err != nil {
				w.fail(err)
				return
			}
			if err := w.Hub.CreateRoom(callSubRoom, s.ID(), s.Member().Epoch()); err != nil {
				w.fail(err)
				return
			}
			if c.cfg.Design == CallOneCommit {
				var all []string
				for _, p := range c.parts[1:] {
					all = append(all, c.sessions[p.ID()].ID())
				}
				c.adding = true
				s.Invite(all)
			}
		}
	}), 0, nil)
}

// callMessage reacts to a decrypted signalling message.
func (w *World) callMessage(rcpt *client.Client, m client.Sent) {
	c := w.call
	if c == nil || c.done || !c.inCall(rcpt) {
		return
	}
	switch {
	case m.Tag == callTagOffer && rcpt != c.initiator:
		rcpt.SendTagged(c.cfg.SignalBytes, callTagAnswer)
		w.startMedia(rcpt)
		if c.cfg.Design == CallEpochKeys {
			w.keyFromRoom(rcpt)
		}
	case m.Tag == callTagAnswer && rcpt == c.initiator && c.cfg.Design == CallPerJoiner:
		c.queue = append(c.queue, callSessionPrefix+m.Sender)
		w.addNextJoiner()
	}
}

func (c *call) inCall(cl *client.Client) bool {
	for _, p := range c.parts {
		if p == cl {
			return true
		}
	}
	return false
}

// addNextJoiner has the initiator's session add the next answered callee, one commit at a time.
func (w *World) addNextJoiner() {
	c := w.call
	if c.adding || len(c.queue) == 0 {
		return
	}
	next := c.queue[0]
	c.queue = c.queue[1:]
	c.adding = true
	c.sessions[c.initiator.ID()].Invite([]string{next})
}

// keyFromRoom derives a participant's SFrame key from the room's current epoch (design a).
func (w *World) keyFromRoom(p *client.Client) {
	if _, err := p.Member().Export(sframeLabel, nil, 16); err != nil {
		w.fail(fmt.Errorf("call: exporter: %w", err))
		return
	}
	c := w.call
	c.keyed[p.ID()] = w.K.Now()
	w.callProgress()
}

// callSession is told, through the recorder, that a call session joined or changed epoch.
func (w *World) callSession(s *client.Client) bool {
	c := w.call
	if c == nil {
		return false
	}
	p, ok := c.byNode[s.ID()]
	if !ok {
		return false
	}
	if c.done || s.Member() == nil {
		return true
	}
	if s == c.sessions[c.initiator.ID()] && c.adding {
		// The initiator adopted its add: one commit done.
		c.commits++
		c.adding = false
		c.finalEpoch = s.Member().Epoch()
		if c.cfg.Design == CallPerJoiner {
			w.addNextJoiner()
		}
	}
	if _, err := s.Member().Export(sframeLabel, nil, 16); err != nil {
		w.fail(fmt.Errorf("call: exporter: %w", err))
		return true
	}
	c.keyed[p.ID()] = w.K.Now()
	w.callProgress()
	return true
}

// callProgress ends the call's measurement once every participant holds the key of the call's
// final epoch and has its media path.
func (w *World) callProgress() {
	c := w.call
	if c.done || c.start == 0 && c.cfg.At > 0 {
		return
	}
	var ready []sim.Time
	for _, p := range c.parts {
		m, ok1 := c.media[p.ID()]
		k, ok2 := c.keyed[p.ID()]
		if !ok1 || !ok2 {
			return
		}
		if c.cfg.Design != CallEpochKeys {
			s := c.sessions[p.ID()]
			if s.Member() == nil || s.Member().Epoch() != c.finalEpoch || c.adding || len(c.queue) > 0 ||
				s.Member().Size() != len(c.parts) {
				return
			}
		}
		ready = append(ready, max(m, k))
	}
	c.done = true
	now := w.K.Now()
	// The first pair that can decrypt each other is ready when the second-earliest participant is.
	sorted := slices.Clone(ready)
	slices.Sort(sorted)
	second := sorted[1]
	for i, p := range c.parts {
		w.obs.Add(results.Observation{Metric: MetricCallReady, Unit: "ms", Group: w.homeOf[p.ID()],
			TimeNs: int64(ready[i]), Target: p.ID(), Value: ms(ready[i].Sub(c.start))})
	}
	g := "call"
	w.obs.Add(
		results.Observation{Metric: MetricCallFirst, Unit: "ms", Group: g, TimeNs: int64(second), Value: ms(second.Sub(c.start))},
		results.Observation{Metric: MetricCallAll, Unit: "ms", Group: g, TimeNs: int64(now), Value: ms(now.Sub(c.start))},
		results.Observation{Metric: MetricCallCommits, Unit: "commits", Group: g, TimeNs: int64(now), Value: float64(c.commits)},
		results.Observation{Metric: MetricCallBytes, Unit: "bytes", Group: g, TimeNs: int64(now), Value: float64(w.Net.Totals().BytesOut - c.bytes0)})
	if w.attach != nil {
		w.obs.Add(results.Observation{Metric: MetricPhase, Unit: "ms", Group: PhaseCall, TimeNs: int64(now), Value: ms(now.Sub(c.start))})
	}
}

// startMedia runs a participant's ICE and DTLS round trips with the media server.
func (w *World) startMedia(p *client.Client) {
	n := w.call.cfg.ICERoundTrips + w.call.cfg.DTLSRoundTrips
	pr := &mediaProbe{w: w, p: p, left: n}
	if n == 0 {
		w.call.media[p.ID()] = w.K.Now()
		w.callProgress()
		return
	}
	pr.ping()
}

// mediaProbe is one participant's sequence of round trips to the SFU.
type mediaProbe struct {
	w    *World
	p    *client.Client
	left int
}

func (m *mediaProbe) ping() {
	m.w.Net.Send(m.p.Node(), m.w.call.sfu, callPacketBytes, m.w.sfuHandler(), 0, m)
}

// Handle receives the SFU's answer.
func (m *mediaProbe) Handle(k *sim.Kernel, ev sim.Event) {
	m.left--
	if m.left > 0 {
		m.ping()
		return
	}
	m.w.call.media[m.p.ID()] = k.Now()
	m.w.callProgress()
}

// sfuEcho answers every packet it gets, as the media server's side of ICE and DTLS.
type sfuEcho struct{ w *World }

func (s *sfuEcho) Handle(k *sim.Kernel, ev sim.Event) {
	m := ev.Data.(*mediaProbe)
	s.w.Net.Send(s.w.call.sfu, m.p.Node(), callPacketBytes, m, 0, nil)
}

func (w *World) sfuHandler() sim.Handler { return w.Wire.Dir.Handler(w.call.sfu) }

// fail ends the run with err.
func (w *World) fail(err error) {
	if w.failure == nil {
		w.failure = err
	}
	w.K.Stop()
}
