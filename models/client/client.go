package client

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// CostModel gives the virtual CPU time of an MLS operation (see package cost).
type CostModel interface {
	CPU(op mls.Op, groupSize int, device string) time.Duration
}

// Recorder receives what clients observe. The world implements it to collect observations.
type Recorder interface {
	// Joined: the client joined the room from a Welcome.
	Joined(c *Client, at sim.Time)
	// Accepted: the hub accepted message id of this client (the response reached it).
	Accepted(c *Client, id int64, sentAt, at sim.Time)
	// Decrypted: the client decrypted message m and found the sender's exact plaintext.
	Decrypted(c *Client, m Sent, at sim.Time)
	// Epoch: the client reached a new epoch by adopting its own commit or processing another's.
	Epoch(c *Client, epoch uint64, at sim.Time)
	// Rejected: the hub rejected a request of the client with code.
	Rejected(c *Client, req mimi.Type, code mimi.Code, at sim.Time)
	// Fail: something that must not happen (a decryption failure, a plaintext mismatch, an
	// engine error). The run reports it and fails.
	Fail(c *Client, err error)
}

// Config describes one client.
type Config struct {
	ID       string
	Device   string
	Room     string
	Provider network.NodeID
	Node     network.NodeID
}

// Client is one device in the room.
type Client struct {
	cfg    Config
	k      *sim.Kernel
	wire   *mimi.Wire
	engine mls.Client
	member mls.Member
	cost   CostModel
	rec    Recorder
	ledger *Ledger

	cpuFree sim.Time // when the client's core is next free
	cpuBusy time.Duration

	nextReq  uint64
	requests map[uint64]*request
	inbox    inOrder
	held     []mimi.Event // events for a later epoch, or received before joining

	// invite state (the room creator)
	invite *invite
	// pending own commit
	pending *mls.Pending
}

type request struct {
	kind   mimi.Type
	msg    Sent
	commit *mls.Pending
}

type invite struct {
	users []string
	kps   map[string][]byte
	left  int
}

// New returns a client. engine is the client's MLS client (it has already published its
// KeyPackages through the world); cost, rec and ledger are shared by the run.
func New(k *sim.Kernel, w *mimi.Wire, cfg Config, engine mls.Client, cost CostModel, rec Recorder, ledger *Ledger) *Client {
	return &Client{cfg: cfg, k: k, wire: w, engine: engine, cost: cost, rec: rec, ledger: ledger,
		requests: make(map[uint64]*request)}
}

// ID returns the client's identifier.
func (c *Client) ID() string { return c.cfg.ID }

// Node returns the client's network node.
func (c *Client) Node() network.NodeID { return c.cfg.Node }

// Member returns the client's MLS member state, or nil before it has joined.
func (c *Client) Member() mls.Member { return c.member }

// CPUBusy returns the total virtual CPU time the client has used.
func (c *Client) CPUBusy() time.Duration { return c.cpuBusy }

// compute charges op on the client's core and returns when it completes.
func (c *Client) compute(op mls.Op, groupSize int) sim.Time {
	d := c.cost.CPU(op, groupSize, c.cfg.Device)
	start := max(c.k.Now(), c.cpuFree)
	c.cpuFree = start.Add(d)
	c.cpuBusy += d
	return c.cpuFree
}

// at runs f at time t.
func (c *Client) at(t sim.Time, f func()) {
	c.k.Schedule(t, sim.HandlerFunc(func(*sim.Kernel, sim.Event) { f() }), 0, nil)
}

func (c *Client) send(m any) { c.wire.Send(c.cfg.Node, c.cfg.Provider, m) }

func (c *Client) newReq(r *request) uint64 {
	c.nextReq++
	c.requests[c.nextReq] = r
	return c.nextReq
}

// CreateGroup makes the client the room's first member.
func (c *Client) CreateGroup() error {
	m, err := c.engine.CreateGroup([]byte(c.cfg.Room))
	if err != nil {
		return fmt.Errorf("client %s: create group: %w", c.cfg.ID, err)
	}
	c.member = m
	c.compute(mls.OpCreateGroup, 1)
	return nil
}

// Invite claims one KeyPackage of each user through keyMaterial and, when all have arrived,
// commits to add them all in one commit with a Welcome.
func (c *Client) Invite(users []string) {
	c.invite = &invite{users: users, kps: make(map[string][]byte), left: len(users)}
	for _, u := range users {
		id := c.newReq(&request{kind: mimi.TypeKeyMaterialRequest})
		c.send(&mimi.KeyMaterialRequest{ReqID: id, Requester: c.cfg.ID, User: u, Room: c.cfg.Room})
	}
}

// StartWorkload makes the client send messages of size bytes as a Poisson process of rate
// messages per second, from now until end, drawing inter-send times from rng.
func (c *Client) StartWorkload(rate float64, size int, end sim.Time, rng *rand.Rand) {
	var tick sim.HandlerFunc
	next := func() {
		gap := time.Duration(rng.ExpFloat64() / rate * 1e9)
		if t := c.k.Now().Add(gap); t < end {
			c.k.Schedule(t, tick, 0, nil)
		}
	}
	tick = func(*sim.Kernel, sim.Event) {
		c.SendMessage(size)
		next()
	}
	next()
}

// SendMessage encrypts a new message of size bytes and submits it to the hub via the client's
// provider.
func (c *Client) SendMessage(size int) {
	if c.member == nil {
		return
	}
	s := c.ledger.New(c.cfg.ID, c.k.Now(), size)
	ct, err := c.member.Protect(s.Plaintext)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("protect message %d: %w", s.ID, err))
		return
	}
	epoch := c.member.Epoch()
	done := c.compute(mls.OpProtect, c.member.Size())
	c.at(done, func() {
		id := c.newReq(&request{kind: mimi.TypeSubmitMessageRequest, msg: s})
		c.send(&mimi.SubmitMessageRequest{ReqID: id, Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: epoch, Message: ct})
	})
}

// CommitUpdate builds an empty commit with path and submits it; the client adopts it when the
// hub accepts it and drops it on wrongEpoch.
func (c *Client) CommitUpdate() error {
	if c.member == nil || c.pending != nil {
		return errors.New("client has no group or a commit in flight")
	}
	p, err := c.member.Update()
	if err != nil {
		return err
	}
	c.submitCommit(p, nil)
	return nil
}

func (c *Client) submitCommit(p *mls.Pending, adds []string) {
	c.pending = p
	done := c.compute(p.Op, c.member.Size()+len(adds))
	c.at(done, func() {
		id := c.newReq(&request{kind: mimi.TypeUpdateRequest, commit: p})
		c.send(&mimi.UpdateRequest{ReqID: id, Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: p.Epoch,
			Adds: adds, Handshake: p.Handshake, Welcome: p.Welcome})
	})
}

// Handle receives packets from the client's provider.
func (c *Client) Handle(k *sim.Kernel, ev sim.Event) {
	pkt := ev.Data.(*mimi.Packet)
	m, err := mimi.Decode(pkt.Body)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("from provider: %w", err))
		return
	}
	switch m := m.(type) {
	case *mimi.KeyMaterialResponse:
		c.keyMaterial(m)
	case *mimi.UpdateResponse:
		c.updateResponse(m)
	case *mimi.SubmitMessageResponse:
		r := c.take(m.ReqID)
		if r == nil {
			return
		}
		if m.Code != mimi.CodeSuccess {
			c.rec.Rejected(c, mimi.TypeSubmitMessageRequest, m.Code, c.k.Now())
			return
		}
		c.rec.Accepted(c, r.msg.ID, r.msg.At, c.k.Now())
	case *mimi.Deliver:
		for _, d := range c.inbox.add(m) {
			for _, ev := range d.Events {
				c.event(ev)
			}
		}
	default:
		c.rec.Fail(c, fmt.Errorf("unexpected %T from provider", m))
	}
}

func (c *Client) take(id uint64) *request {
	r, ok := c.requests[id]
	if !ok {
		c.rec.Fail(c, fmt.Errorf("response to unknown request %d", id))
		return nil
	}
	delete(c.requests, id)
	return r
}

func (c *Client) keyMaterial(m *mimi.KeyMaterialResponse) {
	if c.take(m.ReqID) == nil || c.invite == nil {
		return
	}
	if m.Code != mimi.CodeSuccess {
		c.rec.Fail(c, fmt.Errorf("keyMaterial for %s: %v", m.User, m.Code))
		return
	}
	inv := c.invite
	inv.kps[m.User] = m.KeyPackage
	inv.left--
	if inv.left > 0 {
		return
	}
	kps := make([][]byte, len(inv.users))
	for i, u := range inv.users {
		kps[i] = inv.kps[u]
	}
	c.invite = nil
	p, err := c.member.Add(kps)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("add %d members: %w", len(kps), err))
		return
	}
	c.submitCommit(p, inv.users)
}

func (c *Client) updateResponse(m *mimi.UpdateResponse) {
	r := c.take(m.ReqID)
	if r == nil {
		return
	}
	p := r.commit
	c.pending = nil
	if m.Code != mimi.CodeSuccess {
		c.rec.Rejected(c, mimi.TypeUpdateRequest, m.Code, c.k.Now())
		c.release()
		return
	}
	if err := c.member.Adopt(p); err != nil {
		c.rec.Fail(c, fmt.Errorf("adopt accepted commit: %w", err))
		return
	}
	c.rec.Epoch(c, c.member.Epoch(), c.k.Now())
	c.release()
}

// event handles one fan-out event on arrival. Events arrive in the hub's order, so those the
// client cannot apply yet (before it has joined, or of an epoch it has not reached) are held in
// a FIFO queue and every later event waits behind them.
func (c *Client) event(ev mimi.Event) {
	if ev.Kind == mimi.EventWelcome {
		if c.member != nil {
			return // already in the group
		}
		m, err := c.engine.Join(ev.Payload)
		if err != nil {
			c.rec.Fail(c, fmt.Errorf("join from welcome: %w", err))
			return
		}
		c.member = m
		done := c.compute(mls.OpJoin, m.Size())
		c.at(done, func() { c.rec.Joined(c, c.k.Now()) })
		c.release()
		return
	}
	if c.member == nil || len(c.held) > 0 || ev.Epoch > c.member.Epoch() {
		c.held = append(c.held, ev)
		c.release()
		return
	}
	c.apply(ev)
}

// release applies held events from the front of the queue while the client can.
func (c *Client) release() {
	for len(c.held) > 0 && c.member != nil && c.held[0].Epoch <= c.member.Epoch() {
		ev := c.held[0]
		c.held = c.held[1:]
		c.apply(ev)
	}
}

// apply processes a commit or decrypts a message of the client's current epoch.
func (c *Client) apply(ev mimi.Event) {
	if ev.Epoch < c.member.Epoch() {
		c.rec.Fail(c, fmt.Errorf("%v of epoch %d arrived at epoch %d", ev.Kind, ev.Epoch, c.member.Epoch()))
		return
	}
	if ev.Kind == mimi.EventCommit {
		c.processCommit(ev)
	} else {
		c.decrypt(ev)
	}
}

func (c *Client) processCommit(ev mimi.Event) {
	size := c.member.Size()
	if err := c.member.Process(ev.Handshake); err != nil {
		c.rec.Fail(c, fmt.Errorf("process commit of epoch %d from %s: %w", ev.Epoch, ev.Sender, err))
		return
	}
	done := c.compute(mls.OpProcessCommit, size)
	epoch := c.member.Epoch()
	c.at(done, func() { c.rec.Epoch(c, epoch, c.k.Now()) })
}

func (c *Client) decrypt(ev mimi.Event) {
	pt, err := c.member.Unprotect(ev.Payload)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("decrypt message from %s at epoch %d: %w", ev.Sender, ev.Epoch, err))
		return
	}
	s, err := c.ledger.Check(pt)
	if err != nil {
		c.rec.Fail(c, err)
		return
	}
	if s.Sender != ev.Sender {
		c.rec.Fail(c, fmt.Errorf("message %d claims sender %s, hub says %s", s.ID, s.Sender, ev.Sender))
		return
	}
	done := c.compute(mls.OpUnprotect, c.member.Size())
	c.at(done, func() { c.rec.Decrypted(c, s, c.k.Now()) })
}

// inOrder applies Deliver messages in their LinkSeq order.
type inOrder struct {
	next uint64
	held map[uint64]*mimi.Deliver
}

func (o *inOrder) add(d *mimi.Deliver) []*mimi.Deliver {
	if o.next == 0 {
		o.next = 1
	}
	if d.LinkSeq != o.next {
		if o.held == nil {
			o.held = make(map[uint64]*mimi.Deliver)
		}
		o.held[d.LinkSeq] = d
		return nil
	}
	out := []*mimi.Deliver{d}
	for o.next++; ; o.next++ {
		n, ok := o.held[o.next]
		if !ok {
			break
		}
		delete(o.held, o.next)
		out = append(out, n)
	}
	return out
}
