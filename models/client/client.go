package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
	"unsafe"

	"github.com/mimisim/mimisim/internal/prefetch"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// CostModel gives the virtual CPU time of an MLS operation (see package cost). CPU must be a
// function of its arguments: a client keeps the last answer and reuses it for the same ones.
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
	// Committed: a wish to commit (WantCommit) ended, accepted or given up.
	Committed(c *Client, o CommitOutcome)
	// Rejected: the hub rejected a request of the client with code.
	Rejected(c *Client, req mimi.Type, code mimi.Code, at sim.Time)
	// Refused: the client rejected an event it received (see the Refuse kinds): a ciphertext or
	// handshake that does not verify, an event of an epoch it has left behind, a copy of its
	// own commit that differs from what it built, or anything sent to it while it is not a
	// member. The client goes on; the run's invariants judge whether the refusal was right.
	Refused(c *Client, ev *mimi.Event, kind string, err error)
	// Left: a commit removed the client from the group. last is its final member state, which
	// it no longer uses (the run keeps it to check that it cannot read later messages).
	Left(c *Client, last mls.Member, at sim.Time)
	// Fail: something that must not happen (an engine error on the client's own operations,
	// a broken modelled message). The run reports it and fails.
	Fail(c *Client, err error)
}

// AheadRecorder is a Recorder that may take a decryption's report when the client's core
// starts it, with the virtual time at which the core will finish it, rather than at that time.
// The client then schedules no completion event for it (one event fewer per delivery, the
// hottest path of a large room). A recorder returns true only when the report has no effect
// on the run before at and at is within the part of the run that will be handled, so that
// the run's results are those of reporting at at; it returns false to have Decrypted called
// at at as usual.
type AheadRecorder interface {
	Recorder
	DecryptedAhead(c *Client, m Sent, at sim.Time) bool
}

// Kinds of Recorder.Refused.
const (
	RefuseDecrypt   = "decrypt"     // Unprotect failed: AEAD, sender data, or a generation key already used
	RefusePlaintext = "plaintext"   // decrypted to something the sender did not send
	RefuseSender    = "sender"      // the decrypted message names another sender than the hub's event
	RefuseCommit    = "commit"      // Process failed: signature, membership tag, confirmation
	RefuseStale     = "wrong_epoch" // an event of an epoch the client has already left
	RefuseOwnCommit = "own_commit"  // a commit in the client's name that it has not built
	RefuseNotMember = "not_member"  // an event for a client that is not in the group
	RefuseProposal  = "proposal"    // a proposal the engine cannot commit
)

// Config describes one client.
type Config struct {
	// (The fields every delivery reads come first: see Client.)

	// Sampled fidelity (all zero in full fidelity):
	// Modelled makes this a modelled member: it holds no MLS state; it receives, and is charged
	// for, everything a real member would, and sends ciphertext-sized filler.
	Modelled bool
	// IsModelled tells real members which senders are modelled (their messages cannot be
	// decrypted; the real member is charged for the decryption instead).
	IsModelled func(id string) bool
	// RoomSize, when set, gives the room's size for the cost model and the nominal sizes, in
	// place of the real MLS group's.
	RoomSize func() int
	// Retry, when set, retries requests and acknowledges deliveries (retry.go).
	Retry *Retry
	// CiphertextSize is the size of a modelled member's application message.
	CiphertextSize int

	ID       string
	Device   string
	Room     string
	Provider network.NodeID
	Node     network.NodeID
	// Home is the name of the client's provider (the group of its observations).
	Home string
}

// Client is one device in the room.
type Client struct {
	// What every delivery reads comes first, together, and then cfg (whose hot fields come
	// first): in a large room most deliveries find their client out of the cache, and the
	// network's lookahead prefetches these lines ahead of the delivery (PrefetchFields).
	k      *sim.Kernel
	wire   *mimi.Wire
	ledger *Ledger
	rec    Recorder
	ahead  AheadRecorder // rec, when it is one
	cost   CostModel
	member mls.Member
	// member's epoch and size, recorded by syncEpoch whenever an operation may change them
	memberEpoch uint64
	memberSize  int
	cpuFree     sim.Time // when the client's core is next free
	cpuBusy     time.Duration
	lastCost    lastCost // the last CostModel answer (measured.go)
	inbox       inOrder
	// prefetched decryptions, oldest at preHead (prefetch.go)
	pre     []prefetched
	preHead int
	// preCommits counts prefetched commits the member accepted whose deliveries have not come:
	// the member is that many epochs ahead of what the client has applied (Epoch hides it).
	preCommits int
	index      int32 // SetIndex
	offline    bool  // disconnected: sends nothing (offline.go)
	left       bool  // removed from the group by a commit (and not back yet)
	// modelled members only: joined, and the epoch they follow from the hub's events
	joined bool
	epoch  uint64
	held   []mimi.Event // events for a later epoch, or received before joining

	cfg    Config
	engine mls.Client
	watch  *stopwatch // time_mode measured only (measured.go)

	nextReq  uint64
	requests map[uint64]*request

	// leftEpoch is the last epoch of the group the client was a member of before its removal.
	leftEpoch uint64
	// Proposals (churn.go): those received and not yet committed, the sender whose proposal
	// the client is to commit (and its epoch), and whether the client proposed to leave.
	proposals  []mimi.Event
	commitFor  string
	commitInEp uint64
	leaving    bool
	faults     FaultStats
	// with Config.Retry: a message is in flight, and the encrypted messages waiting for it
	submitting bool
	submitQ    []completion

	done     []completion // queued effects of operations on the core, oldest at doneHead
	doneHead int

	// invite state (the room creator)
	invite *invite
	// pending own commit, and the commit the client wants accepted (commit.go)
	pending *mls.Pending
	wish    *wish

	// application messages to send again once caught up, and how many were (resend.go)
	resends []resend
	resent  int

	// the newest hub sequence number applied or prefetched (prefetch.go)
	covered uint64
	// fenceFn, when set, is called before the kernel's thread uses the member (SetFence);
	// slotWait, when set, waits for one queued decryption (SetSlotWait).
	fenceFn  func()
	slotWait func(*PrefetchSlot)
	// preJoin is a join made ahead of its Welcome's delivery (prefetch.go).
	preJoin *preJoin

	// proposal policies (proposals.go)
	role            *proposalRole
	proposalCommits int
}

type request struct {
	kind   mimi.Type
	update bool // a proposal of a proposal policy's wish (proposals.go), not a churn self-removal
	msg    Sent
	commit *mls.Pending
	// with Config.Retry: the request as sent, its retries so far, and its timer's generation
	body     any
	attempts int
	gen      uint64
}

// resend is an application message the hub refused with epochTooOld, waiting until the client
// has caught up with the hub's epoch (resend.go).
type resend struct {
	msg   Sent
	epoch uint64 // the hub's epoch when it refused
}

type invite struct {
	churn    bool // an add of the churn workload (churn.go), not the set-up
	users    []string
	modelled []string
	kps      map[string][]byte
	left     int
}

// New returns a client. engine is the client's MLS client (it has already published its
// KeyPackages through the world); cost, rec and ledger are shared by the run.
func New(k *sim.Kernel, w *mimi.Wire, cfg Config, engine mls.Client, cost CostModel, rec Recorder, ledger *Ledger) *Client {
	c := &Client{cfg: cfg, k: k, wire: w, engine: engine, cost: cost, rec: rec, ledger: ledger,
		requests: make(map[uint64]*request), inbox: inOrder{next: 1}, index: -1}
	c.ahead, _ = rec.(AheadRecorder)
	c.startWatch()
	return c
}

// SetIndex records the client's index in its owner's list of clients (the world's), for Index.
func (c *Client) SetIndex(i int32) { c.index = i }

// Index returns the index given to SetIndex, or -1.
func (c *Client) Index() int32 { return c.index }

// hotBytes is how much of a Client PrefetchFields asks for: its hot fields and cfg's
// (TestHotFieldsPrefetched).
const hotBytes = 320

// PrefetchFields asks the processor for the client's hot fields ahead of a delivery (the
// network's lookahead calls it through mimi.Wire.Lookahead): every line that the first
// hotBytes of the client touch (a Client is not line-aligned). It changes nothing.
func (c *Client) PrefetchFields() {
	p := unsafe.Pointer(c)
	for off := 0; off < hotBytes; off += 64 {
		prefetch.Line(unsafe.Add(p, off))
	}
	prefetch.Line(unsafe.Add(p, hotBytes-1))
}

// ID returns the client's identifier.
func (c *Client) ID() string { return c.cfg.ID }

// Node returns the client's network node.
func (c *Client) Node() network.NodeID { return c.cfg.Node }

// Member returns the client's MLS member state, or nil before it has joined.
func (c *Client) Member() mls.Member {
	c.fence() // the caller may use it
	return c.member
}

// Home returns the name of the client's provider.
func (c *Client) Home() string { return c.cfg.Home }

// Modelled reports whether the client is a modelled member (sampled fidelity).
func (c *Client) Modelled() bool { return c.cfg.Modelled }

// SampledConfig returns the client's sampled-fidelity settings (IsModelled, RoomSize,
// CiphertextSize), for a client that joins the same room later.
func (c *Client) SampledConfig() (func(string) bool, func() int, int) {
	return c.cfg.IsModelled, c.cfg.RoomSize, c.cfg.CiphertextSize
}

// Joined reports whether the client is in the group.
func (c *Client) Joined() bool { return c.member != nil || c.joined }

// Epoch returns the epoch the client is at.
func (c *Client) Epoch() uint64 {
	if c.member != nil {
		return c.memberEpoch - uint64(c.preCommits)
	}
	return c.epoch
}

// syncEpoch records the member's epoch and group size after an operation that may change them
// (a join, Adopt, Process): the hot paths read the record (the client's own memory) instead of
// the member's state.
func (c *Client) syncEpoch() {
	if c.member != nil {
		c.memberEpoch, c.memberSize = c.member.Epoch(), c.member.Size()
	}
}

// groupSize is the size the cost model and nominal message sizes use.
func (c *Client) groupSize() int {
	if c.cfg.RoomSize != nil {
		return c.cfg.RoomSize()
	}
	if c.member != nil {
		return c.memberSize
	}
	return 1
}

// CPUBusy returns the total virtual CPU time the client has used.
func (c *Client) CPUBusy() time.Duration { return c.cpuBusy }

// compute charges op on the client's core and returns when it completes.
func (c *Client) compute(op mls.Op, groupSize int) sim.Time {
	d := c.charge(costOp(op), groupSize)
	start := max(c.k.Now(), c.cpuFree)
	c.cpuFree = start.Add(d)
	c.cpuBusy += d
	return c.cpuFree
}

// at runs f at time t.
func (c *Client) at(t sim.Time, f func()) {
	c.k.Schedule(t, sim.HandlerFunc(func(*sim.Kernel, sim.Event) { f() }), 0, nil)
}

// kindCPUDone is the event kind of a completed operation on the client's core.
const kindCPUDone = 1 << 20

// What a completed operation does.
const (
	doneFunc      = iota // run f
	doneDecrypted        // report sent as decrypted
	doneEpoch            // report the epoch reached
	doneJoined           // report the join
	doneSubmit           // submit sent's ciphertext ct for epoch
)

// completion is the effect of an operation, applied when the core finishes it. The core is a
// FIFO, so completions come due in the order they were queued: a ring of values replaces one
// closure (and one allocation) per operation on the hot paths.
type completion struct {
	kind  uint8
	epoch uint64
	sent  Sent
	ct    []byte
	f     func()
}

// afterCPU applies x at t, the completion time compute returned.
func (c *Client) afterCPU(t sim.Time, x completion) {
	c.done = append(c.done, x)
	c.k.Schedule(t, c, kindCPUDone, nil)
}

// completed applies the oldest queued completion.
func (c *Client) completed() {
	x := c.done[c.doneHead]
	c.done[c.doneHead] = completion{}
	c.doneHead++
	if c.doneHead == len(c.done) {
		c.done, c.doneHead = c.done[:0], 0
	}
	now := c.k.Now()
	switch x.kind {
	case doneFunc:
		x.f()
	case doneDecrypted:
		c.rec.Decrypted(c, x.sent, now)
	case doneEpoch:
		c.rec.Epoch(c, x.epoch, now)
	case doneJoined:
		c.rec.Joined(c, now)
	case doneSubmit:
		c.submit(x)
	}
}

func (c *Client) send(m any) { c.wire.Send(c.cfg.Node, c.cfg.Provider, m) }

func (c *Client) newReq(r *request) uint64 {
	c.nextReq++
	c.requests[c.nextReq] = r
	return c.nextReq
}

// CreateGroup makes the client the room's first member.
func (c *Client) CreateGroup() error {
	c.fence()
	m, err := c.engine.CreateGroup([]byte(c.cfg.Room))
	if err != nil {
		return fmt.Errorf("client %s: create group: %w", c.cfg.ID, err)
	}
	c.member = m
	c.syncEpoch()
	c.compute(mls.OpCreateGroup, 1)
	return nil
}

// Invite claims one KeyPackage of each user through keyMaterial and, when all have arrived,
// commits to add them all in one commit with a Welcome.
func (c *Client) Invite(users []string) { c.InviteSampled(users, nil) }

// InviteSampled is Invite for sampled fidelity: it claims the KeyPackages of the real users and
// adds them for real, and announces the modelled users in the same commit (they hold no
// KeyPackage; the commit and Welcome are padded to the nominal sizes for the whole room).
func (c *Client) InviteSampled(users, modelled []string) {
	c.invite = &invite{users: users, modelled: modelled, kps: make(map[string][]byte), left: len(users)}
	if len(users) == 0 {
		c.finishInvite()
		return
	}
	for _, u := range users {
		id := c.newReq(&request{kind: mimi.TypeKeyMaterialRequest})
		c.sendReq(id, &mimi.KeyMaterialRequest{ReqID: id, Requester: c.cfg.ID, User: u, Room: c.cfg.Room})
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

// protect returns the ciphertext of message s in the current epoch. A modelled member makes
// filler of the size of a real ciphertext, beginning with the message's ledger id; a real one
// protects s's plaintext and binds the ciphertext to s in the ledger (modelled recipients find
// the message by its ciphertext; the run's invariant checks find the message the hub accepted).
func (c *Client) protect(s Sent) ([]byte, error) {
	if c.cfg.Modelled {
		ct := make([]byte, max(c.cfg.CiphertextSize, 8))
		binary.BigEndian.PutUint64(ct, uint64(s.ID))
		return ct, nil
	}
	c.fenceOwn() // Protect touches only the member's own state (mls.ConcurrentMembers)
	ct, err := c.member.Protect(s.Plaintext)
	if err != nil {
		return nil, err
	}
	c.ledger.Bind(ct, s.ID)
	return ct, nil
}

// SendMessage encrypts a new message of size bytes and submits it to the hub via the client's
// provider. A modelled member sends filler of the size of a real ciphertext, beginning with the
// message's ledger id.
func (c *Client) SendMessage(size int) { c.SendTagged(size, "") }

// SendTagged is SendMessage for a message with a purpose (the ledger's Tag), such as call
// signalling; recipients see the tag in Recorder.Decrypted.
func (c *Client) SendTagged(size int, tag string) {
	if !c.Joined() || c.offline {
		return
	}
	s := c.ledger.New(c.cfg.ID, c.k.Now(), size)
	s.Tag = tag
	c.ledger.msgs[s.ID].Tag = tag
	ct, err := c.protect(s)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("protect message %d: %w", s.ID, err))
		return
	}
	done := c.compute(mls.OpProtect, c.groupSize())
	c.afterCPU(done, completion{kind: doneSubmit, sent: s, epoch: c.Epoch(), ct: ct})
}

// CommitUpdate builds an empty commit with path and submits it; the client adopts it when the
// hub accepts it and drops it on wrongEpoch.
func (c *Client) CommitUpdate() error {
	if c.member == nil || c.pending != nil {
		return errors.New("client has no group or a commit in flight")
	}
	c.fence()
	p, err := c.member.Update()
	if err != nil {
		return err
	}
	c.submitCommit(p, nil, nil)
	return nil
}

func (c *Client) submitCommit(p *mls.Pending, adds, removes []string) {
	c.pending = p
	n := c.groupSize()
	if c.cfg.RoomSize == nil {
		n += len(adds) // the real group grows by the joiners
	}
	req := &mimi.UpdateRequest{Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: p.Epoch,
		Adds: adds, Removes: removes, Handshake: p.Handshake, Welcome: p.Welcome}
	if p.TreeBytes > 0 && len(p.Welcome) > 0 {
		// The joiners fetch the ratchet tree out of band: the committer uploads it with the
		// commit and every joiner downloads it with its Welcome (the Welcome event's padding).
		req.WelcomePad = uint32(p.TreeBytes)
	}
	if c.cfg.RoomSize != nil {
		// Sampled fidelity: the real commit and Welcome cover only the real members; charge the
		// nominal sizes for the whole room as padding.
		req.Pad = uint32(max(0, mls.NominalCommitSize(p.Op, n, len(adds))-p.Size()))
		if len(p.Welcome) > 0 {
			req.WelcomePad = uint32(max(0, mls.NominalWelcomeSize(n)-len(p.Welcome)))
		}
	}
	done := c.compute(p.Op, n)
	c.afterCPU(done, completion{f: func() {
		req.ReqID = c.newReq(&request{kind: mimi.TypeUpdateRequest, commit: p})
		c.sendReq(req.ReqID, req)
	}})
}

// Handle receives packets from the client's provider.
// TakesDecoded implements mimi.DecodedReceiver: every client takes its Delivers by reference
// (charged their exact encoded size). A modelled member parses nothing; a real member reads the
// Deliver's fields and hands its MLS messages, the sender's real bytes, to its engine, which
// must not modify them (engines only read their input: the same bytes reach every recipient).
func (c *Client) TakesDecoded() bool { return true }

var _ mimi.DecodedReceiver = (*Client)(nil)

func (c *Client) Handle(k *sim.Kernel, ev sim.Event) {
	if ev.Kind == kindCPUDone {
		c.completed()
		return
	}
	if ev.Kind == kindReqTimer {
		c.handleReqTimer(ev)
		return
	}
	pkt := ev.Data.(*mimi.Packet)
	m, err := c.wire.DecodePacket(pkt)
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
		c.submitted()
		if m.Code != mimi.CodeSuccess {
			c.rec.Rejected(c, mimi.TypeSubmitMessageRequest, m.Code, c.k.Now())
			if m.Code == mimi.CodeEpochTooOld {
				c.resends = append(c.resends, resend{msg: r.msg, epoch: m.Epoch})
				c.flushResends()
			}
			return
		}
		c.rec.Accepted(c, r.msg.ID, r.msg.At, c.k.Now())
	case *mimi.RetryAfter:
		if c.cfg.Retry == nil {
			c.rec.Fail(c, fmt.Errorf("unexpected Retry-After from provider"))
			return
		}
		c.retryAfter(m)
	case *mimi.Deliver:
		if c.cfg.Retry != nil {
			if m.LinkSeq < c.inbox.next || c.inbox.held[m.LinkSeq] != nil {
				c.faults.DuplicatesDropped++
				c.ackDeliveries()
				return
			}
			defer c.ackDeliveries()
		}
		if m.LinkSeq == c.inbox.next && len(c.inbox.held) == 0 {
			c.inbox.next++ // in order with nothing held: the common case, without a copy
			for _, ev := range m.Events {
				c.event(ev)
			}
			c.wire.Release(pkt) // the events were copied; nothing of the Deliver is kept
			return
		}
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
	if !ok && c.cfg.Retry != nil {
		c.faults.DuplicateResponses++ // the answer to a retry of a request already answered
		return nil
	}
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
	if m.Code != mimi.CodeSuccess && c.invite.churn {
		c.invite = nil // a churn add whose joiner has no KeyPackage left: dropped
		c.tryCommit()
		return
	}
	if m.Code != mimi.CodeSuccess {
		c.rec.Fail(c, fmt.Errorf("keyMaterial for %s: %v", m.User, m.Code))
		return
	}
	c.invite.kps[m.User] = m.KeyPackage
	c.invite.left--
	if c.invite.left == 0 {
		c.finishInvite()
	}
}

// finishInvite commits the Add once every KeyPackage has arrived.
func (c *Client) finishInvite() {
	inv := c.invite
	c.invite = nil
	if inv.churn && (c.member == nil || c.pending != nil) {
		return // the committer left, or has another commit in flight: the add is dropped
	}
	kps := make([][]byte, len(inv.users))
	for i, u := range inv.users {
		kps[i] = inv.kps[u]
	}
	var p *mls.Pending
	var err error
	if len(kps) > 0 {
		c.fence()
		p, err = c.member.Add(kps)
	} else {
		// Nobody real to add (sampled fidelity with one real member): an empty commit carries
		// the announcement of the modelled members.
		c.fence()
		p, err = c.member.Update()
	}
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("add %d members: %w", len(kps), err))
		return
	}
	c.submitCommit(p, append(slices.Clone(inv.users), inv.modelled...), nil)
}

func (c *Client) updateResponse(m *mimi.UpdateResponse) {
	r := c.take(m.ReqID)
	if r == nil {
		return
	}
	if r.kind == mimi.TypeProposeRequest {
		if m.Code != mimi.CodeSuccess {
			if !r.update {
				c.leaving = false // the proposal was refused (another commit took its epoch)
			}
			c.rec.Rejected(c, mimi.TypeProposeRequest, m.Code, c.k.Now())
		}
		if r.update {
			c.proposalAnswered(m.Code, m.Epoch)
		}
		return
	}
	if m.Code != mimi.CodeSuccess {
		if c.pending == r.commit {
			c.pending = nil
		}
		c.rec.Rejected(c, mimi.TypeUpdateRequest, m.Code, c.k.Now())
		c.commitAnswered(r.commit, m.Code, m.Epoch)
		c.release()
		return
	}
	// Accepted: the commit is adopted when it comes back through the delivery stream
	// (adoptOwn), which may happen before or after this response.
	c.commitAnswered(r.commit, m.Code, m.Epoch)
}

// event handles one fan-out event on arrival. Events arrive in the hub's order, so those the
// client cannot apply yet (before it has joined, or of an epoch it has not reached) are held in
// a FIFO queue, and in the hub's order every later event is of a later epoch too and waits
// behind them. An event of the client's epoch or an earlier one that arrives while others are
// held is out of the hub's order (a hostile follower reordered it): it is applied at once (a
// commit of the client's epoch then releases the held events), not queued behind events that
// wait for it.
func (c *Client) event(ev mimi.Event) {
	if ev.Kind == mimi.EventWelcome {
		c.join(ev)
		return
	}
	if c.left && ev.Epoch <= c.leftEpoch {
		// Of the epochs before the client's removal: nothing it should still apply. (An event
		// of a later epoch is for the client added again, its Welcome reordered behind it.)
		c.refuse(ev, RefuseNotMember, fmt.Errorf("an event of epoch %d after the client's removal in epoch %d", ev.Epoch, c.leftEpoch))
		return
	}
	if !c.Joined() || ev.Epoch > c.Epoch() {
		c.held = append(c.held, ev)
		c.release()
		return
	}
	c.apply(ev)
	if len(c.held) > 0 {
		c.release()
	}
}

// refuse reports ev as refused. It takes the event by value so that the callers' events stay
// on their stacks: taking their address for the Recorder would move every event they handle to
// the heap, not only the refused ones.
func (c *Client) refuse(ev mimi.Event, kind string, err error) { c.rec.Refused(c, &ev, kind, err) }

// join enters the group from a Welcome; a modelled member only pays for it.
func (c *Client) join(ev mimi.Event) {
	if c.Joined() {
		return // already in the group
	}
	if c.cfg.Modelled {
		c.joined, c.epoch = true, ev.Epoch
	} else {
		m, err, ok, mismatch := c.takePrefetchedJoin(&ev)
		if mismatch {
			return // the run has failed
		}
		if !ok {
			c.fence()
			m, err = c.engine.Join(ev.Payload)
		}
		if err != nil {
			c.rec.Fail(c, fmt.Errorf("join from welcome: %w", err))
			return
		}
		c.member = m
		c.syncEpoch()
	}
	c.left = false
	done := c.compute(mls.OpJoin, c.groupSize())
	c.afterCPU(done, completion{kind: doneJoined})
	c.release()
}

// release applies held events from the front of the queue while the client can.
func (c *Client) release() {
	for len(c.held) > 0 && c.Joined() && c.held[0].Epoch <= c.Epoch() {
		ev := c.held[0]
		c.held = c.held[1:]
		c.apply(ev)
	}
}

// apply processes a commit or decrypts a message of the client's current epoch.
func (c *Client) apply(ev mimi.Event) {
	if ev.Kind == mimi.EventProposal && ev.Epoch < c.Epoch() {
		return // a proposal of an epoch the client has left: nothing to do
	}
	if ev.Epoch < c.Epoch() {
		c.refuse(ev, RefuseStale, fmt.Errorf("%v of epoch %d arrived at epoch %d", ev.Kind, ev.Epoch, c.Epoch()))
		return
	}
	c.covered = max(c.covered, ev.Seq)
	switch ev.Kind {
	case mimi.EventCommit:
		c.processCommit(ev)
	case mimi.EventProposal:
		c.proposals = append(c.proposals, ev)
		c.proposalEvent(ev)
		c.tryCommit()
	default:
		c.decrypt(ev)
	}
}

// adoptOwn adopts the client's pending commit when the hub's fan-out brings it back.
func (c *Client) adoptOwn(ev mimi.Event) {
	p := c.pending
	if p == nil || p.Epoch != ev.Epoch {
		c.refuse(ev, RefuseOwnCommit, fmt.Errorf("a commit of epoch %d in the client's name, which has no pending commit for it", ev.Epoch))
		return
	}
	if !sameHandshake(p.Handshake, ev.Handshake) {
		c.refuse(ev, RefuseOwnCommit, fmt.Errorf("a commit of epoch %d in the client's name differs from the one it built", ev.Epoch))
		return
	}
	c.pending = nil
	c.fence()
	err := c.member.Adopt(p)
	c.syncEpoch()
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("adopt accepted commit: %w", err))
		return
	}
	c.rec.Epoch(c, c.Epoch(), c.k.Now())
	c.flushResends()
	c.proposalCommitted(ev.Handshake, true)
	c.tryCommit()
	c.commitHeld()
}

func (c *Client) processCommit(ev mimi.Event) {
	if ev.Sender == c.cfg.ID && !c.cfg.Modelled {
		c.adoptOwn(ev)
		return
	}
	size := c.groupSize()
	if c.cfg.Modelled {
		c.epoch++
	} else if err := c.processMember(&ev); err != nil {
		if errors.Is(err, mls.ErrRemoved) {
			c.leave(size)
			return
		}
		c.refuse(ev, RefuseCommit, fmt.Errorf("process commit of epoch %d from %s: %w", ev.Epoch, ev.Sender, err))
		return
	}
	done := c.compute(mls.OpProcessCommit, size)
	epoch := c.Epoch()
	c.afterCPU(done, completion{kind: doneEpoch, epoch: epoch})
	c.flushResends()
	c.proposalCommitted(ev.Handshake, false)
	c.tryCommit()
	c.commitHeld()
}

// processMember has the member process a commit, or takes the prefetched result.
func (c *Client) processMember(ev *mimi.Event) error {
	t, ok, mismatch := c.takePrefetched(ev)
	if mismatch {
		return errPrefetch
	}
	if ok {
		return t.err
	}
	c.fence()
	err := c.member.Process(ev.Handshake)
	c.syncEpoch()
	return err
}

// errPrefetch is returned for an event whose prefetched result does not match it (the run has
// already been failed).
var errPrefetch = errors.New("client: prefetched result does not match the delivery")

// decrypt decrypts a message and checks it against what its sender sent. Where the sender or
// the recipient is modelled, the recipient is charged the decryption and finds the message by
// the ledger id that starts the filler.
func (c *Client) decrypt(ev mimi.Event) {
	var s Sent
	if c.cfg.Modelled || (c.cfg.IsModelled != nil && c.cfg.IsModelled(ev.Sender)) {
		var err error
		if s, err = c.ledger.Lookup(ev.Payload); err != nil {
			c.rec.Fail(c, err)
			return
		}
	} else {
		t, ok, mismatch := c.takePrefetched(&ev)
		if mismatch {
			return // the run has failed
		}
		if !ok {
			c.fence()
			t.pt, t.err = c.member.Unprotect(ev.Payload)
		}
		if t.err != nil {
			c.refuse(ev, RefuseDecrypt, fmt.Errorf("decrypt message from %s at epoch %d: %w", ev.Sender, ev.Epoch, t.err))
			return
		}
		var err error
		if t.checked { // checked against the ledger on the worker (RunPrefetch)
			err = t.checkErr
			if err == nil {
				s = c.ledger.msgs[t.id]
			}
		} else {
			s, err = c.ledger.Check(t.pt)
		}
		if err != nil {
			c.refuse(ev, RefusePlaintext, err)
			return
		}
	}
	if s.Sender != ev.Sender {
		c.refuse(ev, RefuseSender, fmt.Errorf("message %d claims sender %s, hub says %s", s.ID, s.Sender, ev.Sender))
		return
	}
	done := c.compute(mls.OpUnprotect, c.groupSize())
	if c.ahead != nil && c.ahead.DecryptedAhead(c, s, done) {
		return
	}
	c.afterCPU(done, completion{kind: doneDecrypted, sent: s})
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
