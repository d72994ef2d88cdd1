package mimi

import (
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// Role is a provider's role for the rooms it serves.
type Role int

// Roles.
const (
	Hub Role = iota
	Follower
)

func (r Role) String() string {
	if r == Hub {
		return "hub"
	}
	return "follower"
}

// Config describes one provider.
type Config struct {
	Name        string
	Role        Role
	Cores       int
	RequestCost time.Duration // CPU per request handled
	ByteCost    time.Duration // CPU per KiB of request body
	// BatchWindow, when positive, makes the hub collect the fan-out events for a follower for up
	// to this long (from the first one waiting) and send them in one notify; BatchMax, when
	// positive, sends the batch as soon as it holds that many events. Zero: one notify per
	// accepted event.
	BatchWindow time.Duration
	BatchMax    int
	// Recovery, when set, makes the provider survive lost messages and crashes (recovery.go):
	// notifies and deliveries are kept until acknowledged and retried, retried requests are
	// answered from the record, and Crash and Restart may be called. Nil: none of it, and the
	// provider sends exactly what it did before recovery existed.
	Recovery *Recovery
	// SplitWelcome, when set, cuts a Welcome down to the part of one joiner, given the
	// KeyPackage this provider handed out for that joiner (mls.WelcomeSplitter): the provider
	// delivers each of its joining clients only its own part instead of the whole Welcome (whose
	// size grows with the number of joiners). nil: every joiner receives the whole Welcome.
	SplitWelcome func(welcome, keyPackage []byte) ([]byte, error)
}

// Stats counts a provider's work.
type Stats struct {
	Requests  uint64 // requests and notifies handled
	Proposals uint64 // proposals the hub accepted
	// HeldForOrder counts requests served before an earlier one of their connection, whose
	// effects waited for it (see inFlight).
	HeldForOrder uint64
	BusyNs       time.Duration // total core time used
	BytesIn      uint64        // encoded bytes received (with transport overhead)
	BytesOut     uint64        // encoded bytes sent (with transport overhead)
	QueueMax     int           // longest request queue seen
	Accepted     uint64        // commits and messages the hub accepted
	Rejected     map[Code]uint64
	Fanout       uint64 // deliveries to own clients
	NotifiesOut  uint64 // notify requests sent (hub)
	EventsOut    uint64 // events carried by those notifies
	Parked       uint64 // deliveries held for offline clients
	Faults       FaultStats
}

const (
	kindServiceDone = 2
	kindFlush       = 3
)

// job is a request, or other work (Compute), waiting for a core: exactly one field is set.
type job struct {
	pkt  *Packet
	work *work
	adm  uint64 // the request's admission number on its connection (inFlight)
}

// work is CPU work other than a MIMI request, such as serving an attachment (Compute).
type work struct {
	cost time.Duration
	then func()
}

// Provider is a MIMI provider: a server with Cores cores and a FIFO request queue. A hub
// provider runs the rooms it hosts; a follower forwards its clients' requests to the hub.
type Provider struct {
	cfg   Config
	k     *sim.Kernel
	wire  *Wire
	node  network.NodeID
	hub   network.NodeID
	busy  int
	queue []job
	stats Stats

	clients     map[string]network.NodeID // own clients
	keyPackages map[string][][]byte       // stock of KeyPackages per own user
	handedOut   map[string][]byte         // the last KeyPackage handed out per own user (SplitWelcome)
	rooms       map[string]*room          // hub only

	nextReq      uint64
	forwarded    map[uint64]forward // our request id → where the answer goes
	toClient     []uint64           // deliveries sent so far, by client node (node ids are dense)
	toPeer       map[network.NodeID]uint64
	notifies     map[network.NodeID]*inOrder[*NotifyRequest] // follower: per hub connection (LinkSeq spans rooms)
	outbox       map[network.NodeID]*outbox                  // hub: events waiting for a batched notify
	one          [1]Event                                    // scratch for single-event deliveries
	fan          fanScratch                                  // scratch of fanout
	resolved     resolvedList                                // follower: the last long recipient list, resolved
	scratchNodes []network.NodeID                            // follower: a short recipient list, resolved
	offline      map[string]bool                             // own clients that are disconnected
	applied      map[network.NodeID]*inFlight                // per incoming connection: requests applied in arrival order
	parked       map[string][]parked                         // deliveries waiting for an offline client

	onAccept    func(Accepted) // hub: told of every accepted commit and message (hooks.go)
	interceptor Interceptor    // what the provider does to deliveries to its clients (hooks.go)
	// recovery (recovery.go); all zero without Config.Recovery
	rec       *Recovery
	down      bool
	downAt    sim.Time
	inc       int // incarnation: bumped by every crash
	warmUntil sim.Time
	streams   []*reliable // in creation order
	streamOf  map[network.NodeID]*reliable
	record    map[uint64]acceptedRecord    // hub: accepted commits and messages by digest
	claims    map[string]map[string][]byte // KeyPackage handed out, by user and requester, since the user's last stock
}

// outbox holds the events waiting for one follower while a batch fills.
type outbox struct {
	peer   network.NodeID
	room   string
	events []Event
	gen    uint64 // bumped by every flush, so a stale timer does nothing
}

type parked struct {
	room   string
	events []Event
}

type forward struct {
	to    network.NodeID
	reqID uint64
}

// NewProvider returns a provider attached to node. hub is the hub's node (equal to node for
// the hub itself).
func NewProvider(k *sim.Kernel, w *Wire, node, hub network.NodeID, cfg Config) (*Provider, error) {
	if cfg.Cores < 1 {
		return nil, fmt.Errorf("provider %s: cores must be at least 1, got %d", cfg.Name, cfg.Cores)
	}
	if cfg.RequestCost < 0 || cfg.ByteCost < 0 {
		return nil, fmt.Errorf("provider %s: costs must not be negative", cfg.Name)
	}
	if cfg.BatchWindow < 0 || cfg.BatchMax < 0 {
		return nil, fmt.Errorf("provider %s: batch window and size must not be negative", cfg.Name)
	}
	return &Provider{
		cfg: cfg, k: k, wire: w, node: node, hub: hub,
		stats:       Stats{Rejected: make(map[Code]uint64)},
		clients:     make(map[string]network.NodeID),
		keyPackages: make(map[string][][]byte),
		handedOut:   make(map[string][]byte),
		rooms:       make(map[string]*room),
		forwarded:   make(map[uint64]forward),
		toPeer:      make(map[network.NodeID]uint64),
		notifies:    make(map[network.NodeID]*inOrder[*NotifyRequest]),
		outbox:      make(map[network.NodeID]*outbox),
		offline:     make(map[string]bool),
		applied:     make(map[network.NodeID]*inFlight),
		parked:      make(map[string][]parked),
		rec:         cfg.Recovery,
		streamOf:    make(map[network.NodeID]*reliable),
		record:      make(map[uint64]acceptedRecord),
		claims:      make(map[string]map[string][]byte),
	}, nil
}

// Name returns the provider's name.
func (p *Provider) Name() string { return p.cfg.Name }

// Node returns the provider's network node.
func (p *Provider) Node() network.NodeID { return p.node }

// Role returns the provider's role.
func (p *Provider) Role() Role { return p.cfg.Role }

// Stats returns the provider's counters.
func (p *Provider) Stats() Stats { return p.stats }

// AddClient registers one of the provider's own clients.
func (p *Provider) AddClient(id string, node network.NodeID) {
	p.clients[id] = node
	p.resolved = resolvedList{} // a cached recipient list may name the new client
}

// StockKeyPackage stores a KeyPackage a client published, to be claimed with keyMaterial.
// A fresh KeyPackage ends the idempotence of earlier claims on the user (Recovery): a claim made
// after it is a new claim, not a retry.
func (p *Provider) StockKeyPackage(user string, kp []byte) {
	p.keyPackages[user] = append(p.keyPackages[user], kp)
	delete(p.claims, user)
}

// Handle receives packets and service completions.
func (p *Provider) Handle(k *sim.Kernel, ev sim.Event) {
	// A service completion's kind carries the incarnation it was started in (kindServiceDone +
	// 16·inc, see start): completions from before a crash are ignored.
	if ev.Kind >= kindServiceDone+16 || ev.Kind == kindServiceDone {
		if ev.Kind>>4 != p.inc {
			return // a request being served when the provider crashed
		}
		ev.Kind = kindServiceDone
	}
	switch ev.Kind {
	case KindPacket:
		pkt := ev.Data.(*Packet)
		if p.down {
			p.stats.Faults.LostWhileDown++
			return
		}
		p.stats.BytesIn += uint64(pkt.Len + TransportOverhead) // padding is counted by the network's stats
		if p.busy < p.cfg.Cores {
			p.start(p.admit(pkt))
			return
		}
		if p.rec != nil && p.rec.MaxQueue > 0 && len(p.queue) >= p.rec.MaxQueue && p.shed(pkt) {
			return
		}
		p.queue = append(p.queue, p.admit(pkt))
		p.stats.QueueMax = max(p.stats.QueueMax, len(p.queue))
	case kindRetry:
		p.retry(ev.Data.(*retryTimer))
	case kindFlush:
		t := ev.Data.(*flushTimer)
		if t.gen == t.ob.gen && !p.down { // the batch this timer was set for is still waiting
			p.flush(t.ob)
		}
	case kindServiceDone:
		p.busy--
		if w, ok := ev.Data.(*work); ok {
			w.then()
		} else {
			p.apply(ev.Data.(*job))
		}
		if len(p.queue) > 0 {
			next := p.queue[0]
			p.queue[0] = job{}
			p.queue = p.queue[1:]
			p.start(next)
		}
	default:
		panic(fmt.Sprintf("mimi: provider %s got event kind %d", p.cfg.Name, ev.Kind))
	}
}

// inFlight keeps one incoming connection's requests in order: the cores serve them in parallel,
// and one may finish before an earlier one of the same connection (a smaller body costs less),
// but their effects are applied in the order they were admitted, as a server that processes one
// connection's requests in order would. (The hub sequences what it accepts when it applies it;
// MLS receivers in this lab need each sender's messages in the order they were protected.)
// Requests dropped before admission (provider down, shed) leave no gap; a crash forgets all.
type inFlight struct {
	admitted uint64             // admission numbers given so far
	next     uint64             // the admission number of the next request to apply
	held     map[uint64]*Packet // served requests waiting for an earlier one
}

// admit gives a request its admission number on its connection.
func (p *Provider) admit(pkt *Packet) job {
	f := p.applied[pkt.From]
	if f == nil {
		f = &inFlight{next: 1}
		p.applied[pkt.From] = f
	}
	f.admitted++
	return job{pkt: pkt, adm: f.admitted}
}

// apply runs a served request's effects, in its connection's admission order.
func (p *Provider) apply(j *job) {
	pkt := j.pkt
	f := p.applied[pkt.From]
	if f == nil || j.adm == 0 {
		p.serve(pkt)
		return
	}
	if j.adm != f.next {
		if f.held == nil {
			f.held = make(map[uint64]*Packet)
		}
		f.held[j.adm] = pkt
		p.stats.HeldForOrder++
		return
	}
	for {
		f.next++
		p.serve(pkt)
		next, ok := f.held[f.next]
		if !ok {
			return
		}
		delete(f.held, f.next)
		pkt = next
	}
}

// enqueue starts j on a free core or queues it.
func (p *Provider) enqueue(j job) {
	if p.busy < p.cfg.Cores {
		p.start(j)
		return
	}
	p.queue = append(p.queue, j)
	p.stats.QueueMax = max(p.stats.QueueMax, len(p.queue))
}

func (p *Provider) start(j job) {
	p.busy++
	if w := j.work; w != nil {
		p.stats.BusyNs += w.cost
		p.k.After(w.cost, p, kindServiceDone+16*p.inc, w)
		return
	}
	cost := p.cfg.RequestCost + time.Duration(int64(p.cfg.ByteCost)*int64(j.pkt.Len)/1024)
	p.stats.BusyNs += cost
	p.k.After(cost, p, kindServiceDone+16*p.inc, &j)
}

// Compute runs work that is not a MIMI request — serving an attachment, say — on the provider's
// cores, in the same FIFO queue as its requests: one request's cost (RequestCost) plus ByteCost
// per KiB of bytes, after which then runs.
func (p *Provider) Compute(bytes int, then func()) {
	cost := p.cfg.RequestCost + time.Duration(int64(p.cfg.ByteCost)*int64(bytes)/1024)
	p.enqueue(job{work: &work{cost: cost, then: then}})
}

func (p *Provider) send(to network.NodeID, m any) {
	p.stats.BytesOut += uint64(p.wire.Send(p.node, to, m))
}

func (p *Provider) newReq() uint64 { p.nextReq++; return p.nextReq }

// serve runs a request whose service time has elapsed.
func (p *Provider) serve(pkt *Packet) {
	p.stats.Requests++
	m, err := p.wire.DecodePacket(pkt)
	if err != nil {
		// A malformed request is dropped: there is no request id to answer.
		p.stats.Rejected[CodeInvalidProposal]++
		return
	}
	if p.warming(pkt.From, m) {
		return
	}
	switch m := m.(type) {
	case *KeyMaterialRequest:
		p.keyMaterial(pkt.From, m)
	case *KeyMaterialResponse:
		p.relay(m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
	case *UpdateRequest:
		if p.cfg.Role == Hub {
			p.update(pkt.From, m)
		} else {
			p.forwardToHub(pkt.From, m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
		}
	case *UpdateResponse:
		p.relay(m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
	case *SubmitMessageRequest:
		if p.cfg.Role == Hub {
			p.submitMessage(pkt.From, m)
		} else {
			p.forwardToHub(pkt.From, m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
		}
	case *ProposeRequest:
		if p.cfg.Role == Hub {
			p.propose(pkt.From, m)
		} else {
			p.forwardToHub(pkt.From, m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
		}
	case *SubmitMessageResponse:
		p.relay(m.ReqID, func(id uint64) any { r := *m; r.ReqID = id; return &r })
	case *NotifyRequest:
		p.notify(pkt.From, m)
	case *NotifyResponse:
		if p.rec != nil {
			p.notifyAcked(pkt.From, m.ReqID)
		}
	case *DeliverAck:
		if p.rec != nil {
			p.deliverAcked(pkt.From, m.LinkSeq)
		}
	case *RetryAfter:
		if p.rec != nil {
			p.retryAfter(pkt.From, m)
		}
	default:
		p.stats.Rejected[CodeInvalidProposal]++
	}
}

func (p *Provider) forwardToHub(from network.NodeID, reqID uint64, rewrite func(uint64) any) {
	id := p.newReq()
	p.forwarded[id] = forward{to: from, reqID: reqID}
	p.send(p.hub, rewrite(id))
}

func (p *Provider) relay(reqID uint64, rewrite func(uint64) any) {
	f, ok := p.forwarded[reqID]
	if !ok {
		return
	}
	delete(p.forwarded, reqID)
	p.send(f.to, rewrite(f.reqID))
}

// keyMaterial serves a claim for one of our users' KeyPackages, or forwards it to the user's
// provider.
func (p *Provider) keyMaterial(from network.NodeID, m *KeyMaterialRequest) {
	dom := Domain(m.User)
	if dom != p.cfg.Name {
		peer, ok := p.wire.Dir.Provider(dom)
		if !ok {
			p.send(from, &KeyMaterialResponse{ReqID: m.ReqID, Code: CodeNoKeyPackage, User: m.User})
			return
		}
		id := p.newReq()
		p.forwarded[id] = forward{to: from, reqID: m.ReqID}
		r := *m
		r.ReqID = id
		p.send(peer, &r)
		return
	}
	if kp, ok := p.claims[m.User][m.Requester]; ok { // a retried claim gets the same KeyPackage
		p.stats.Faults.DuplicatesDrop++
		p.send(from, &KeyMaterialResponse{ReqID: m.ReqID, Code: CodeSuccess, User: m.User, KeyPackage: kp})
		return
	}
	stock := p.keyPackages[m.User]
	if len(stock) == 0 {
		p.send(from, &KeyMaterialResponse{ReqID: m.ReqID, Code: CodeNoKeyPackage, User: m.User})
		return
	}
	kp := stock[0]
	p.keyPackages[m.User] = stock[1:] // single use
	if p.rec != nil {
		if p.claims[m.User] == nil {
			p.claims[m.User] = make(map[string][]byte)
		}
		p.claims[m.User][m.Requester] = kp
	}
	if p.cfg.SplitWelcome != nil {
		p.handedOut[m.User] = kp
	}
	p.send(from, &KeyMaterialResponse{ReqID: m.ReqID, Code: CodeSuccess, User: m.User, KeyPackage: kp})
}

// HandedOut returns the KeyPackage the provider last handed out for its user, which it will
// cut a Welcome down to (Config.SplitWelcome), if any.
func (p *Provider) HandedOut(user string) ([]byte, bool) {
	kp, ok := p.handedOut[user]
	return kp, ok
}

// room is the hub's state of one room.
type room struct {
	id        string
	epoch     uint64
	seq       uint64
	members   []string // participant list, in join order
	proposals int      // proposals accepted for the current epoch
	// others holds, by sender, the members other than the sender (recipientsOf), until the
	// membership changes.
	others map[string][]string
}

func (r *room) isMember(c string) bool { return slices.Contains(r.members, c) }

// maxOthers bounds room.others (it is emptied when full).
const maxOthers = 64

// recipientsOf returns the room's members other than sender, the recipients of its message or
// proposal. The list is kept per sender until the membership changes, so that a large room's
// hub does not copy its member list for every message; it is shared and never modified (by
// the hub, its fan-out or its observers, see Accepted).
func (r *room) recipientsOf(sender string) []string {
	if to, ok := r.others[sender]; ok {
		return to
	}
	if r.others == nil || len(r.others) >= maxOthers {
		r.others = map[string][]string{}
	}
	to := without(r.members, sender)
	r.others[sender] = to
	return to
}

// CreateRoom makes the hub host a room whose only member is creator, at the creator's epoch.
func (p *Provider) CreateRoom(id, creator string, epoch uint64) error {
	if p.cfg.Role != Hub {
		return fmt.Errorf("provider %s is not a hub", p.cfg.Name)
	}
	if _, ok := p.rooms[id]; ok {
		return fmt.Errorf("room %s exists", id)
	}
	p.rooms[id] = &room{id: id, epoch: epoch, members: []string{creator}}
	return nil
}

// RoomEpoch returns the hub's epoch of a room.
func (p *Provider) RoomEpoch(id string) (uint64, bool) {
	r, ok := p.rooms[id]
	if !ok {
		return 0, false
	}
	return r.epoch, true
}

// RoomMembers returns the hub's participant list of a room.
func (p *Provider) RoomMembers(id string) []string {
	if r, ok := p.rooms[id]; ok {
		return slices.Clone(r.members)
	}
	return nil
}

// mayAct reports whether the request's origin may speak for sender: a provider only for its own
// clients, a client directly connected to the hub only for itself.
func (p *Provider) mayAct(from network.NodeID, sender string) bool {
	if node, ok := p.clients[sender]; ok {
		return node == from
	}
	peer, ok := p.wire.Dir.Provider(Domain(sender))
	return ok && peer == from
}

func (p *Provider) reject(from network.NodeID, resp any, c Code) {
	p.stats.Rejected[c]++
	p.send(from, resp)
}

// admitHandshake runs the checks a commit and a proposal share, both answered with an
// UpdateResponse: with recovery on, a retry of one already accepted (its digest key is in
// p.record) gets its first answer again; then an unknown room, a sender that is not a member or
// may not act from there, or an epoch that is not the room's is rejected. It returns the room,
// or ok=false once it has answered the request.
func (p *Provider) admitHandshake(from network.NodeID, reqID uint64, roomID, sender string, epoch, key uint64) (r *room, ok bool) {
	if p.rec != nil {
		if a, dup := p.record[key]; dup { // a retry of a commit or proposal already accepted
			p.stats.Faults.DuplicatesDrop++
			p.send(from, &UpdateResponse{ReqID: reqID, Code: CodeSuccess, Epoch: a.epoch, AcceptedNs: a.acceptedNs})
			return nil, false
		}
	}
	r, ok = p.rooms[roomID]
	switch {
	case !ok:
		p.reject(from, &UpdateResponse{ReqID: reqID, Code: CodeUnknownRoom}, CodeUnknownRoom)
		return nil, false
	case !r.isMember(sender) || !p.mayAct(from, sender):
		p.reject(from, &UpdateResponse{ReqID: reqID, Code: CodeNotAllowed, Epoch: r.epoch}, CodeNotAllowed)
		return nil, false
	case epoch != r.epoch:
		p.reject(from, &UpdateResponse{ReqID: reqID, Code: CodeWrongEpoch, Epoch: r.epoch}, CodeWrongEpoch)
		return nil, false
	}
	return r, true
}

// acceptHandshake answers an accepted commit or proposal with success at the room's (new)
// epoch and, with recovery on, records that answer under key for admitHandshake to give a
// retry. It returns the acceptance time.
func (p *Provider) acceptHandshake(from network.NodeID, key, reqID, epoch uint64) int64 {
	now := int64(p.k.Now())
	if p.rec != nil {
		p.record[key] = acceptedRecord{epoch: epoch, acceptedNs: now}
	}
	p.send(from, &UpdateResponse{ReqID: reqID, Code: CodeSuccess, Epoch: epoch, AcceptedNs: now})
	return now
}

// update handles a commit at the hub.
func (p *Provider) update(from network.NodeID, m *UpdateRequest) {
	var key uint64
	if p.rec != nil {
		key = digest(byte(TypeUpdateRequest), m.Sender, m.Epoch, m.Handshake...)
	}
	r, ok := p.admitHandshake(from, m.ReqID, m.Room, m.Sender, m.Epoch, key)
	switch {
	case !ok:
		return
	case len(m.Handshake) == 0 || !validChange(r, m):
		p.reject(from, &UpdateResponse{ReqID: m.ReqID, Code: CodeInvalidProposal, Epoch: r.epoch}, CodeInvalidProposal)
		return
	}
	old := slices.Clone(r.members)
	r.others = nil  // the membership changes
	r.proposals = 0 // the epoch's pending proposals end with it, committed or not
	for _, c := range m.Removes {
		r.members = slices.DeleteFunc(r.members, func(x string) bool { return x == c })
	}
	r.members = append(r.members, m.Adds...)
	r.epoch++
	p.stats.Accepted++
	now := p.acceptHandshake(from, key, m.ReqID, r.epoch)

	r.seq++
	commit := Event{Kind: EventCommit, Seq: r.seq, Epoch: m.Epoch, Sender: m.Sender, Handshake: m.Handshake, AcceptedNs: now, Pad: m.Pad}
	events := []Event{commit}
	// The committer gets its own commit back too: it adopts its pending commit when the commit
	// comes through its ordered delivery stream, after every event the hub sequenced before it
	// (the response alone could overtake earlier messages on another path).
	recipients := [][]string{old}
	var welcome *Event
	if len(m.Adds) > 0 && len(m.Welcome) > 0 {
		r.seq++
		events = append(events, Event{Kind: EventWelcome, Seq: r.seq, Epoch: r.epoch, Sender: m.Sender, Payload: m.Welcome, AcceptedNs: now, Pad: m.WelcomePad})
		recipients = append(recipients, slices.Clone(m.Adds))
		w := events[1]
		welcome = &w
	}
	if p.onAccept != nil {
		p.onAccept(Accepted{Room: r.id, Event: commit, Recipients: old, Adds: m.Adds, Removes: m.Removes, NewEpoch: r.epoch, Welcome: welcome})
	}
	p.fanout(r, events, recipients)
}

// propose handles a proposal at the hub, for the current epoch: a member's proposal to remove
// itself, or an Update proposal of its own leaf (no Removes). The hub keeps it for the epoch and
// fans it out to the other members; the epoch does not change.
func (p *Provider) propose(from network.NodeID, m *ProposeRequest) {
	var key uint64
	if p.rec != nil {
		key = digest(byte(TypeProposeRequest), m.Sender, m.Epoch, m.Proposal)
	}
	r, ok := p.admitHandshake(from, m.ReqID, m.Room, m.Sender, m.Epoch, key)
	switch {
	case !ok:
		return
	case len(m.Proposal) == 0 || len(m.Removes) > 1 || len(m.Removes) == 1 && m.Removes[0] != m.Sender:
		p.reject(from, &UpdateResponse{ReqID: m.ReqID, Code: CodeInvalidProposal, Epoch: r.epoch}, CodeInvalidProposal)
		return
	}
	r.proposals++
	p.stats.Proposals++
	now := p.acceptHandshake(from, key, m.ReqID, r.epoch)
	r.seq++
	ev := Event{Kind: EventProposal, Seq: r.seq, Epoch: m.Epoch, Sender: m.Sender, Handshake: [][]byte{m.Proposal}, AcceptedNs: now}
	to := r.recipientsOf(m.Sender)
	if p.onAccept != nil {
		p.onAccept(Accepted{Room: r.id, Event: ev, Recipients: to, Removes: m.Removes, NewEpoch: r.epoch})
	}
	p.fanout(r, []Event{ev}, [][]string{to})
}

// PendingProposals returns the number of proposals the hub holds for a room's current epoch.
func (p *Provider) PendingProposals(id string) int {
	if r, ok := p.rooms[id]; ok {
		return r.proposals
	}
	return 0
}

// validChange checks the participant-list change of a commit against the room.
func validChange(r *room, m *UpdateRequest) bool {
	for _, c := range m.Adds {
		if r.isMember(c) || Domain(c) == "" {
			return false
		}
	}
	for _, c := range m.Removes {
		if !r.isMember(c) {
			return false
		}
	}
	return true
}

func without(list []string, c string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

// submitMessage handles an application message at the hub.
func (p *Provider) submitMessage(from network.NodeID, m *SubmitMessageRequest) {
	var key uint64
	if p.rec != nil {
		key = digest(byte(TypeSubmitMessageRequest), m.Sender, m.Epoch, m.Message)
		if a, ok := p.record[key]; ok { // a retry of a message already accepted
			p.stats.Faults.DuplicatesDrop++
			p.send(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeSuccess, Epoch: a.epoch, AcceptedNs: a.acceptedNs})
			return
		}
	}
	r, ok := p.rooms[m.Room]
	switch {
	case !ok:
		p.reject(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeUnknownRoom}, CodeUnknownRoom)
		return
	case !r.isMember(m.Sender) || !p.mayAct(from, m.Sender):
		p.reject(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeNotAllowed, Epoch: r.epoch}, CodeNotAllowed)
		return
	case m.Epoch < r.epoch:
		p.reject(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeEpochTooOld, Epoch: r.epoch}, CodeEpochTooOld)
		return
	case m.Epoch > r.epoch:
		p.reject(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeWrongEpoch, Epoch: r.epoch}, CodeWrongEpoch)
		return
	}
	p.stats.Accepted++
	now := int64(p.k.Now())
	if p.rec != nil {
		p.record[key] = acceptedRecord{epoch: r.epoch, acceptedNs: now}
	}
	p.send(from, &SubmitMessageResponse{ReqID: m.ReqID, Code: CodeSuccess, Epoch: r.epoch, AcceptedNs: now})
	r.seq++
	ev := Event{Kind: EventMessage, Seq: r.seq, Epoch: m.Epoch, Sender: m.Sender, Payload: m.Message, AcceptedNs: now}
	to := r.recipientsOf(m.Sender)
	if p.onAccept != nil {
		p.onAccept(Accepted{Room: r.id, Event: ev, Recipients: to, NewEpoch: r.epoch})
	}
	p.fanout(r, []Event{ev}, [][]string{to})
}

// fanout sends events to their recipients: directly to the hub's own clients, and in one notify
// per follower for theirs. recipients[i] lists the recipients of events[i]. Order is
// deterministic: providers and clients in the order they first appear in the recipient lists.
//
// The batches are the provider's scratch (fanScratch), reused by the next fanout: what they
// hold is copied by whoever keeps it (deliveries, outboxes, interceptors; see Interceptor).
// Recipient lists are not copied where they need not be: an own client's is its one name, a
// sub-slice of recipients[i], and a follower's, when its clients are one run of recipients[i]
// (members join provider by provider), that run; otherwise it is allocated once at its exact
// length. They are handed over (the notify keeps them) and, like recipients[i], never
// modified.
func (p *Provider) fanout(r *room, events []Event, recipients [][]string) {
	f := &p.fan
	if f.busy { // not expected (sending does not call back), but then fresh scratch
		f = &fanScratch{}
	}
	f.busy = true
	defer f.done()
	if f.index == nil {
		f.index = map[string]*fanBatch{}
	}
	for i, ev := range events {
		for j, c := range recipients[i] {
			dest := Domain(c)
			var b *fanBatch
			own := dest == p.cfg.Name
			if own {
				dest = c // own client: its own batch
				b = f.index[dest]
			} else {
				for _, x := range f.peers {
					if x.dest == dest {
						b = x
						break
					}
				}
			}
			if b == nil {
				b = f.batch(dest)
				if own {
					f.index[dest] = b
				} else {
					f.peers = append(f.peers, b)
				}
			}
			n := len(b.events)
			if n == 0 || b.events[n-1].Seq != ev.Seq {
				e := ev
				e.Recipients = nil
				b.events = append(b.events, e)
				b.from = j
				n++
			}
			rs := &b.events[n-1].Recipients
			switch {
			case own:
				*rs = recipients[i][j : j+1 : j+1]
			case b.from >= 0 && j == b.from+len(*rs):
				// the next name of recipients[i]: the list stays a view of it
				*rs = recipients[i][b.from : j+1 : j+1]
			default:
				if b.from >= 0 { // not one run of recipients[i]: the follower's own list from now on
					b.from = -1
					*rs = append(make([]string, 0, len(*rs)+countAt(recipients[i][j:], dest)), *rs...)
				}
				*rs = append(*rs, c)
			}
		}
	}
	for _, b := range f.batches[:f.used] {
		if _, ok := p.clients[b.dest]; ok {
			p.deliverTo(b.dest, r.id, b.events)
			continue
		}
		peer, ok := p.wire.Dir.Provider(b.dest)
		if !ok {
			continue // a recipient of an unknown provider: nowhere to send
		}
		p.queueNotify(peer, r.id, b.events)
	}
}

// fanScratch is fanout's reusable memory: the batches of one fan-out (one per own client and
// one per follower, in the order they first appear), their index, and the per-follower counts.
type fanScratch struct {
	busy    bool
	batches []*fanBatch // batches[:used] are in use
	used    int
	index   map[string]*fanBatch // own clients' batches
	peers   []*fanBatch          // other providers' batches: a few, found by a scan
}

// fanBatch is what fanout sends to one own client or one follower.
type fanBatch struct {
	dest   string
	events []Event
	// from: the recipients of the last event are recipients[i][from:…] of that event (a
	// follower's clients are usually one run of the list), or -1: a list of their own.
	from int
}

// batch returns an empty batch for dest, reusing one from an earlier fan-out when there is one.
func (f *fanScratch) batch(dest string) *fanBatch {
	if f.used == len(f.batches) {
		f.batches = append(f.batches, &fanBatch{})
	}
	b := f.batches[f.used]
	f.used++
	b.dest = dest
	return b
}

// countAt returns the number of clients of provider dest in list.
func countAt(list []string, dest string) int {
	n := 0
	for _, c := range list {
		if Domain(c) == dest {
			n++
		}
	}
	return n
}

// done empties the scratch for the next fan-out, dropping every reference it held.
func (f *fanScratch) done() {
	for _, b := range f.batches[:f.used] {
		clear(b.events)
		b.dest, b.events = "", b.events[:0]
	}
	f.used = 0
	clear(f.index)
	clear(f.peers)
	f.peers = f.peers[:0]
	f.busy = false
}

// flushTimer is the payload of a batch's timer event.
type flushTimer struct {
	ob  *outbox
	gen uint64
}

// queueNotify sends events to a follower now, or adds them to its batch.
func (p *Provider) queueNotify(peer network.NodeID, room string, events []Event) {
	ob := p.outbox[peer]
	if ob == nil || ob.room != room {
		if ob != nil && len(ob.events) > 0 {
			p.flush(ob) // one room per notify
		}
		ob = &outbox{peer: peer, room: room}
		p.outbox[peer] = ob
	}
	first := len(ob.events) == 0
	ob.events = append(ob.events, events...)
	switch {
	case p.cfg.BatchWindow <= 0, p.cfg.BatchMax > 0 && len(ob.events) >= p.cfg.BatchMax:
		p.flush(ob)
	case first:
		p.k.After(p.cfg.BatchWindow, p, kindFlush, &flushTimer{ob: ob, gen: ob.gen})
	}
}

// flush sends a follower's waiting events in one notify.
func (p *Provider) flush(ob *outbox) {
	ob.gen++
	if len(ob.events) == 0 {
		return
	}
	if p.down {
		return // the events wait for the restart
	}
	p.toPeer[ob.peer]++
	p.stats.NotifiesOut++
	p.stats.EventsOut += uint64(len(ob.events))
	n := &NotifyRequest{ReqID: p.newReq(), LinkSeq: p.toPeer[ob.peer], Room: ob.room, Events: ob.events}
	if p.rec != nil {
		p.sendReliable(ob.peer, n.LinkSeq, n.ReqID, n)
	} else {
		p.send(ob.peer, n)
	}
	ob.events = nil
}

// SetOnline connects or disconnects one of the provider's own clients. While a client is
// offline, deliveries to it wait at the provider; when it comes back they are sent, in order,
// in one delivery per room.
func (p *Provider) SetOnline(client string, online bool) {
	if !online {
		p.offline[client] = true
		return
	}
	delete(p.offline, client)
	waiting := p.parked[client]
	delete(p.parked, client)
	node := p.clients[client]
	for len(waiting) > 0 {
		room := waiting[0].room
		var events []Event
		i := 0
		for ; i < len(waiting) && waiting[i].room == room; i++ {
			events = append(events, waiting[i].events...)
		}
		waiting = waiting[i:]
		p.deliver(client, node, room, events)
	}
}

// Online reports whether an own client is connected.
func (p *Provider) Online(client string) bool { return !p.offline[client] }

func (p *Provider) deliverTo(client string, roomID string, events []Event) {
	p.deliverToNode(client, p.clients[client], roomID, events)
}

// deliverToNode is deliverTo for a client whose node the caller has looked up.
func (p *Provider) deliverToNode(client string, node network.NodeID, roomID string, events []Event) {
	if p.cfg.SplitWelcome != nil {
		events = p.splitWelcomes(client, events)
	}
	if len(p.offline) > 0 && p.offline[client] {
		p.stats.Parked++
		// events may be the provider's scratch space: keep a copy.
		p.parked[client] = append(p.parked[client], parked{room: roomID, events: slices.Clone(events)})
		return
	}
	p.deliver(client, node, roomID, events)
}

// splitWelcomes replaces the Welcomes among events by the part of client (events is not
// modified; a copy is returned when something changed). A Welcome that cannot be split (no
// KeyPackage handed out, or none of the client's in it) is delivered whole.
func (p *Provider) splitWelcomes(client string, events []Event) []Event {
	out := events
	for i := range events {
		if events[i].Kind != EventWelcome {
			continue
		}
		kp, ok := p.handedOut[client]
		if !ok {
			continue
		}
		part, err := p.cfg.SplitWelcome(events[i].Payload, kp)
		if err != nil {
			continue
		}
		delete(p.handedOut, client)
		if &out[0] == &events[0] {
			out = slices.Clone(events)
		}
		out[i].Payload = part
	}
	return out
}

func (p *Provider) deliver(client string, node network.NodeID, roomID string, events []Event) {
	if p.interceptor != nil {
		p.interceptor.Deliver(client, roomID, events)
		return
	}
	p.send1(node, roomID, events)
}

// send1 sends one Deliver to a client's node.
func (p *Provider) send1(node network.NodeID, roomID string, events []Event) {
	if int(node) >= len(p.toClient) {
		p.toClient = append(p.toClient, make([]uint64, int(node)+1-len(p.toClient))...)
	}
	p.toClient[node]++
	p.stats.Fanout++
	if p.rec != nil {
		// events may be scratch space; the log keeps d
		d := &Deliver{LinkSeq: p.toClient[node], Room: roomID, Events: slices.Clone(events)}
		p.sendReliable(node, d.LinkSeq, 0, d)
		return
	}
	d := &Deliver{LinkSeq: p.toClient[node], Room: roomID, Events: events} // not kept (SendDeliver)
	p.stats.BytesOut += uint64(p.wire.SendDeliver(p.node, node, d))
}

// notify handles fan-out from the hub at a follower: it acknowledges, then delivers each event
// to its recipients among the follower's clients, in the hub's order.
func (p *Provider) notify(from network.NodeID, m *NotifyRequest) {
	if p.rec == nil {
		p.send(from, &NotifyResponse{ReqID: m.ReqID, Code: CodeSuccess})
	}
	o := p.notifies[from]
	if o == nil {
		o = &inOrder[*NotifyRequest]{}
		p.notifies[from] = o
	}
	if p.rec != nil && (m.LinkSeq < max(o.next, 1) || o.held[m.LinkSeq] != nil) {
		// A retry of a notify already applied (or held): drop it, acknowledge if applied.
		p.stats.Faults.DuplicatesDrop++
		if m.LinkSeq < o.next {
			p.send(from, &NotifyResponse{ReqID: m.ReqID, Code: CodeSuccess})
		}
		return
	}
	for _, n := range o.add(m.LinkSeq, m) {
		if p.rec != nil {
			// Acknowledged once applied: what it delivered (or parked) is now kept by us.
			p.send(from, &NotifyResponse{ReqID: n.ReqID, Code: CodeSuccess})
		}
		if len(n.Events) == 1 {
			// The common case, one event: each recipient gets it alone. The event is
			// re-addressed in place; deliverTo encodes it at once (or copies it when parking).
			// (Delivering does not modify events; only Recipients is set per recipient.)
			p.one[0] = n.Events[0]
			ev := &p.one[0]
			all := ev.Recipients
			nodes := p.resolve(all)
			for i, node := range nodes {
				if node < 0 {
					continue // not one of ours
				}
				ev.Recipients = all[i : i+1 : i+1]
				p.deliverToNode(all[i], node, n.Room, p.one[:])
			}
			p.one[0] = Event{} // keep no references
			continue
		}
		// Several events (a batch): group them per recipient, keeping their order.
		var order []string
		per := map[string][]Event{}
		for _, ev := range n.Events {
			for i, c := range ev.Recipients {
				if _, ok := p.clients[c]; !ok {
					continue
				}
				if _, seen := per[c]; !seen {
					order = append(order, c)
				}
				e := ev
				e.Recipients = ev.Recipients[i : i+1]
				per[c] = append(per[c], e)
			}
		}
		for _, c := range order {
			p.deliverTo(c, n.Room, per[c])
		}
	}
}

// resolvedList is a recipient list with the node of each recipient among the provider's own
// clients (-1 for the others).
type resolvedList struct {
	names []string
	nodes []network.NodeID
}

// resolveMin is the length from which resolve caches a recipient list: a hub sends each
// follower the same list for every message until the membership changes, and a decoded long
// list is interned whole (see Interner), so the same slice comes back.
const resolveMin = 64

// resolve returns the node of each name in names among the provider's own clients, -1 for a
// name that is not one. The last long list resolved is kept and reused while the same slice
// (same first element, same length) comes back and no client has been added; the slice's
// elements are never modified once decoded, so the same slice means the same names.
func (p *Provider) resolve(names []string) []network.NodeID {
	if len(names) == 0 {
		return nil
	}
	r := &p.resolved
	if len(names) == len(r.names) && &names[0] == &r.names[0] {
		return r.nodes
	}
	last := *r
	var nodes []network.NodeID
	if len(names) >= resolveMin {
		nodes = make([]network.NodeID, len(names))
		*r = resolvedList{names: names, nodes: nodes}
	} else {
		nodes = slices.Grow(p.scratchNodes[:0], len(names))[:len(names)]
		p.scratchNodes = nodes
	}
	// Consecutive lists are the member list without each sender, decoded from one interner: a
	// name is first compared, by its memory, with the last long list's at the same place (or
	// the next), whose node is kept, and looked up only when it differs.
	j := 0
	for i, c := range names {
		switch {
		case j < len(last.names) && sameString(last.names[j], c):
			nodes[i] = last.nodes[j]
			j++
		case j+1 < len(last.names) && sameString(last.names[j+1], c):
			nodes[i] = last.nodes[j+1]
			j += 2
		default:
			node, ok := p.clients[c]
			if !ok {
				node = -1
			}
			nodes[i] = node
		}
	}
	return nodes
}

// sameString reports whether a and b are the same string in memory (so equal).
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}
