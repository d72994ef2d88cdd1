package mimi

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/sim"
)

// inbox is a fake client: it records every message it receives.
type inbox struct{ got []any }

func (b *inbox) Handle(k *sim.Kernel, ev sim.Event) {
	p := ev.Data.(*Packet)
	m, err := DecodeShared(p.Body, p.Shared, nil)
	if err != nil {
		panic(err)
	}
	b.got = append(b.got, m)
}

// testbed is a hub "hub" with client a, and a follower "fol" with clients b and c.
type testbed struct {
	k          *sim.Kernel
	w          *Wire
	hub, fol   *Provider
	a, b, c    network.NodeID
	ia, ib, ic *inbox
}

func newTestbed(t *testing.T) *testbed { t.Helper(); return newTestbedWith(t, false) }

// newTestbedWith builds the testbed, with recovery on its providers when recover is set.
func newTestbedWith(t *testing.T, recover bool) *testbed {
	t.Helper()
	k := sim.New(1)
	acc := network.DefaultAccess()
	for name, a := range acc {
		a.Latency = network.Constant(time.Millisecond)
		a.Loss, a.UplinkMbps, a.DownlinkMbps = 0, 0, 0 // unlimited: arrivals depend on latency only
		acc[name] = a
	}
	net, err := network.New(k, network.Config{Access: acc, RetransmitTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory()
	w := &Wire{Net: net, Dir: dir, Recover: recover}
	tb := &testbed{k: k, w: w, ia: &inbox{}, ib: &inbox{}, ic: &inbox{}}
	hn, _ := net.AddNode("hub", "eu-west-1", "datacenter")
	fn, _ := net.AddNode("fol", "us-east-1", "datacenter")
	dir.RegisterProvider("hub", hn)
	dir.RegisterProvider("fol", fn)
	rec := func(name string) *Recovery {
		if !recover {
			return nil
		}
		return &Recovery{Timeout: 100 * time.Millisecond, BackoffMax: time.Second, RetryAfter: 200 * time.Millisecond, Rand: k.Stream("r/" + name)}
	}
	tb.hub, _ = NewProvider(k, w, hn, hn, Config{Name: "hub", Role: Hub, Cores: 2, RequestCost: 10 * time.Microsecond, Recovery: rec("hub")})
	tb.fol, _ = NewProvider(k, w, fn, hn, Config{Name: "fol", Role: Follower, Cores: 1, RequestCost: 10 * time.Microsecond, Recovery: rec("fol")})
	dir.Register(hn, tb.hub)
	dir.Register(fn, tb.fol)
	tb.a, _ = net.AddNode("a@hub", "eu-west-1", "wifi")
	tb.b, _ = net.AddNode("b@fol", "us-east-1", "lte")
	tb.c, _ = net.AddNode("c@fol", "us-east-1", "5g")
	dir.Register(tb.a, tb.ia)
	dir.Register(tb.b, tb.ib)
	dir.Register(tb.c, tb.ic)
	tb.hub.AddClient("a@hub", tb.a)
	tb.fol.AddClient("b@fol", tb.b)
	tb.fol.AddClient("c@fol", tb.c)
	if err := tb.hub.CreateRoom("r", "a@hub", 0); err != nil {
		t.Fatal(err)
	}
	return tb
}

// addAll has a@hub add b and c (epoch 0 → 1).
func (tb *testbed) addAll(t *testing.T) {
	tb.w.Send(tb.a, tb.hub.Node(), &UpdateRequest{ReqID: 1, Room: "r", Sender: "a@hub", Epoch: 0,
		Adds: []string{"b@fol", "c@fol"}, Handshake: [][]byte{[]byte("commit")}, Welcome: []byte("welcome")})
	tb.k.RunAll()
	if r := last[*UpdateResponse](t, tb.ia); r.Code != CodeSuccess || r.Epoch != 1 {
		t.Fatalf("add: %v epoch %d", r.Code, r.Epoch)
	}
}

func last[T any](t *testing.T, b *inbox) T {
	t.Helper()
	for i := len(b.got) - 1; i >= 0; i-- {
		if m, ok := b.got[i].(T); ok {
			return m
		}
	}
	var zero T
	t.Fatalf("no %T received (got %d messages)", zero, len(b.got))
	return zero
}

func TestAddDeliversWelcomeThroughFollower(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	for _, ib := range []*inbox{tb.ib, tb.ic} {
		d := last[*Deliver](t, ib)
		if len(d.Events) != 1 || d.Events[0].Kind != EventWelcome || string(d.Events[0].Payload) != "welcome" {
			t.Fatalf("joiner got %+v, want one welcome", d.Events)
		}
	}
	if got := tb.hub.RoomMembers("r"); len(got) != 3 {
		t.Fatalf("members %v", got)
	}
	if st := tb.hub.Stats(); st.NotifiesOut != 1 {
		t.Fatalf("hub sent %d notifies for one follower, want 1", st.NotifiesOut)
	}
}

func TestHubRules(t *testing.T) {
	tests := []struct {
		name string
		from func(tb *testbed) network.NodeID
		req  any
		want Code
	}{
		{"message from member", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 1, Message: []byte("ct")}, CodeSuccess},
		{"message for old epoch", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 0, Message: []byte("ct")}, CodeEpochTooOld},
		{"message for future epoch", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 2, Message: []byte("ct")}, CodeWrongEpoch},
		{"message from non-member", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "r", Sender: "z@fol", Epoch: 1, Message: []byte("ct")}, CodeNotAllowed},
		{"follower speaking for hub client", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "r", Sender: "a@hub", Epoch: 1, Message: []byte("ct")}, CodeNotAllowed},
		{"unknown room", func(tb *testbed) network.NodeID { return tb.b },
			&SubmitMessageRequest{ReqID: 7, Room: "nope", Sender: "b@fol", Epoch: 1}, CodeUnknownRoom},
		{"commit for current epoch", func(tb *testbed) network.NodeID { return tb.b },
			&UpdateRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 1, Handshake: [][]byte{[]byte("c")}}, CodeSuccess},
		{"commit for old epoch", func(tb *testbed) network.NodeID { return tb.b },
			&UpdateRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 0, Handshake: [][]byte{[]byte("c")}}, CodeWrongEpoch},
		{"commit from non-member", func(tb *testbed) network.NodeID { return tb.b },
			&UpdateRequest{ReqID: 7, Room: "r", Sender: "q@fol", Epoch: 1, Handshake: [][]byte{[]byte("c")}}, CodeNotAllowed},
		{"commit adding a member twice", func(tb *testbed) network.NodeID { return tb.a },
			&UpdateRequest{ReqID: 7, Room: "r", Sender: "a@hub", Epoch: 1, Adds: []string{"b@fol"}, Handshake: [][]byte{[]byte("c")}}, CodeInvalidProposal},
		{"empty commit", func(tb *testbed) network.NodeID { return tb.a },
			&UpdateRequest{ReqID: 7, Room: "r", Sender: "a@hub", Epoch: 1}, CodeInvalidProposal},
		{"proposal to remove oneself", func(tb *testbed) network.NodeID { return tb.b },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 1, Removes: []string{"b@fol"}, Proposal: []byte("p")}, CodeSuccess},
		{"proposal to remove another", func(tb *testbed) network.NodeID { return tb.b },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 1, Removes: []string{"c@fol"}, Proposal: []byte("p")}, CodeInvalidProposal},
		{"proposal for old epoch", func(tb *testbed) network.NodeID { return tb.b },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 0, Removes: []string{"b@fol"}, Proposal: []byte("p")}, CodeWrongEpoch},
		{"proposal from non-member", func(tb *testbed) network.NodeID { return tb.b },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "q@fol", Epoch: 1, Removes: []string{"q@fol"}, Proposal: []byte("p")}, CodeNotAllowed},
		{"update proposal", func(tb *testbed) network.NodeID { return tb.b },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "b@fol", Epoch: 1, Proposal: []byte("p")}, CodeSuccess},
		{"empty proposal", func(tb *testbed) network.NodeID { return tb.a },
			&ProposeRequest{ReqID: 7, Room: "r", Sender: "a@hub", Epoch: 1}, CodeInvalidProposal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestbed(t)
			tb.addAll(t)
			from := tc.from(tb)
			tb.w.Send(from, tb.w.Dir.providers[map[network.NodeID]string{tb.a: "hub", tb.b: "fol"}[from]], tc.req)
			tb.k.RunAll()
			ib := map[network.NodeID]*inbox{tb.a: tb.ia, tb.b: tb.ib}[from]
			var code Code
			var reqID uint64
			switch tc.req.(type) {
			case *SubmitMessageRequest:
				r := last[*SubmitMessageResponse](t, ib)
				code, reqID = r.Code, r.ReqID
			case *UpdateRequest, *ProposeRequest:
				r := last[*UpdateResponse](t, ib)
				code, reqID = r.Code, r.ReqID
			}
			if code != tc.want || reqID != 7 {
				t.Fatalf("got %v for request %d, want %v for request 7", code, reqID, tc.want)
			}
		})
	}
}

func TestFirstCommitWins(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	// b and c commit for epoch 1 at the same instant; the follower forwards b's first.
	tb.w.Send(tb.b, tb.fol.Node(), &UpdateRequest{ReqID: 1, Room: "r", Sender: "b@fol", Epoch: 1, Handshake: [][]byte{[]byte("b")}})
	tb.w.Send(tb.c, tb.fol.Node(), &UpdateRequest{ReqID: 1, Room: "r", Sender: "c@fol", Epoch: 1, Handshake: [][]byte{[]byte("c")}})
	tb.k.RunAll()
	rb, rc := last[*UpdateResponse](t, tb.ib), last[*UpdateResponse](t, tb.ic)
	if rb.Code != CodeSuccess || rc.Code != CodeWrongEpoch || rc.Epoch != 2 {
		t.Fatalf("b got %v, c got %v (epoch %d); want success and wrongEpoch(2)", rb.Code, rc.Code, rc.Epoch)
	}
	// c and a receive b's commit; b does not receive its own.
	if d := last[*Deliver](t, tb.ic); d.Events[0].Kind != EventCommit || d.Events[0].Sender != "b@fol" {
		t.Fatalf("c got %+v", d.Events)
	}
	if d := last[*Deliver](t, tb.ia); d.Events[0].Kind != EventCommit || string(d.Events[0].Handshake[0]) != "b" {
		t.Fatalf("a got %+v", d.Events)
	}
	// b gets its own commit back, in its ordered delivery stream.
	if d := last[*Deliver](t, tb.ib); d.Events[0].Kind != EventCommit || d.Events[0].Sender != "b@fol" {
		t.Fatalf("the committer did not get its own commit back: %+v", d.Events)
	}
}

func TestKeyMaterialIsSingleUse(t *testing.T) {
	tb := newTestbed(t)
	tb.fol.StockKeyPackage("b@fol", []byte("kp1"))
	for i := 0; i < 2; i++ {
		tb.w.Send(tb.a, tb.hub.Node(), &KeyMaterialRequest{ReqID: uint64(10 + i), Requester: "a@hub", User: "b@fol", Room: "r"})
		tb.k.RunAll()
	}
	var codes []Code
	for _, m := range tb.ia.got {
		if r, ok := m.(*KeyMaterialResponse); ok {
			codes = append(codes, r.Code)
			if r.Code == CodeSuccess && string(r.KeyPackage) != "kp1" {
				t.Fatalf("got key package %q", r.KeyPackage)
			}
		}
	}
	if len(codes) != 2 || codes[0] != CodeSuccess || codes[1] != CodeNoKeyPackage {
		t.Fatalf("codes %v, want [success noKeyPackage]", codes)
	}
}

func TestProviderQueuesOnItsCores(t *testing.T) {
	tb := newTestbed(t)
	// Ten requests reach the one-core follower at once: they are served one after another.
	for i := 0; i < 10; i++ {
		tb.w.Send(tb.b, tb.fol.Node(), &KeyMaterialRequest{ReqID: uint64(i), Requester: "b@fol", User: "nobody@fol", Room: "r"})
	}
	tb.k.RunAll()
	st := tb.fol.Stats()
	if st.Requests != 10 || st.BusyNs != 10*10*time.Microsecond || st.QueueMax != 9 {
		t.Fatalf("requests %d busy %v queue max %d; want 10, 100µs, 9", st.Requests, st.BusyNs, st.QueueMax)
	}
}

func TestNotifyBatching(t *testing.T) {
	tests := []struct {
		name      string
		window    time.Duration
		max       int
		notifies  uint64
		maxEvents int
	}{
		{"no batching: one notify per message", 0, 0, 6, 1},
		{"window gathers all six", time.Second, 0, 1, 6},
		{"window with a size cap of four", time.Second, 4, 2, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestbed(t)
			tb.addAll(t)
			tb.hub.cfg.BatchWindow, tb.hub.cfg.BatchMax = tc.window, tc.max
			before := tb.hub.Stats().NotifiesOut
			for i := 0; i < 6; i++ {
				tb.w.Send(tb.a, tb.hub.Node(), &SubmitMessageRequest{ReqID: uint64(i), Room: "r", Sender: "a@hub", Epoch: 1, Message: []byte{byte(i)}})
			}
			tb.k.RunAll()
			if n := tb.hub.Stats().NotifiesOut - before; n != tc.notifies {
				t.Fatalf("%d notifies, want %d", n, tc.notifies)
			}
			// b receives all six messages in order, in deliveries of at most maxEvents events.
			var got []byte
			for _, m := range tb.ib.got {
				d, ok := m.(*Deliver)
				if !ok || d.Events[0].Kind != EventMessage {
					continue
				}
				if len(d.Events) > tc.maxEvents {
					t.Fatalf("a delivery of %d events, want at most %d", len(d.Events), tc.maxEvents)
				}
				for _, ev := range d.Events {
					got = append(got, ev.Payload...)
				}
			}
			if string(got) != "\x00\x01\x02\x03\x04\x05" {
				t.Fatalf("b got payloads %x", got)
			}
		})
	}
}

func TestOfflineClientsGetTheirDeliveriesOnReturn(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	tb.fol.SetOnline("b@fol", false)
	for i := 0; i < 3; i++ {
		tb.w.Send(tb.a, tb.hub.Node(), &SubmitMessageRequest{ReqID: uint64(i), Room: "r", Sender: "a@hub", Epoch: 1, Message: []byte{byte(i)}})
	}
	tb.k.RunAll()
	countMsgs := func(ib *inbox) int {
		n := 0
		for _, m := range ib.got {
			if d, ok := m.(*Deliver); ok && d.Events[0].Kind == EventMessage {
				n += len(d.Events)
			}
		}
		return n
	}
	if countMsgs(tb.ib) != 0 || countMsgs(tb.ic) != 3 || tb.fol.Stats().Parked != 3 {
		t.Fatalf("while b is offline: b got %d, c got %d, parked %d", countMsgs(tb.ib), countMsgs(tb.ic), tb.fol.Stats().Parked)
	}
	back := tb.k.Now()
	tb.fol.SetOnline("b@fol", true)
	tb.k.RunAll()
	d := last[*Deliver](t, tb.ib)
	if countMsgs(tb.ib) != 3 || len(d.Events) != 3 || string(d.Events[0].Payload)+string(d.Events[2].Payload) != "\x00\x02" {
		t.Fatalf("after b returned it got %d messages, last delivery %+v", countMsgs(tb.ib), d.Events)
	}
	if tb.k.Now() <= back {
		t.Fatal("the parked delivery took no time to reach b")
	}
}

// TestTwoRoomsShareAFollower: the hub numbers its notifies to a follower across rooms, so a
// second room's first notify must not wait for a number only the first room used.
func TestTwoRoomsShareAFollower(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	if err := tb.hub.CreateRoom("r2", "a@hub", 0); err != nil {
		t.Fatal(err)
	}
	tb.w.Send(tb.a, tb.hub.Node(), &UpdateRequest{ReqID: 9, Room: "r2", Sender: "a@hub", Epoch: 0,
		Adds: []string{"b@fol"}, Handshake: [][]byte{[]byte("commit")}, Welcome: []byte("welcome-2")})
	tb.k.RunAll()
	d := last[*Deliver](t, tb.ib)
	if d.Room != "r2" || d.Events[0].Kind != EventWelcome || string(d.Events[0].Payload) != "welcome-2" {
		t.Fatalf("b's last delivery: room %s, %+v", d.Room, d.Events)
	}
}

func TestComputeSharesTheRequestQueue(t *testing.T) {
	tb := newTestbed(t)
	// A request, then two units of other work of 2 KiB each, on the one-core follower: FIFO,
	// each charged RequestCost + ByteCost per KiB.
	tb.w.Send(tb.b, tb.fol.Node(), &KeyMaterialRequest{ReqID: 1, Requester: "b@fol", User: "nobody@fol", Room: "r"})
	tb.k.RunAll()
	start := tb.k.Now()
	var done []sim.Time
	for i := 0; i < 2; i++ {
		tb.fol.Compute(2048, func() { done = append(done, tb.k.Now()) })
	}
	tb.k.RunAll()
	per := 10*time.Microsecond + 2*tb.fol.cfg.ByteCost
	if len(done) != 2 || done[0].Sub(start) != per || done[1].Sub(start) != 2*per {
		t.Fatalf("work done at %v after %v; want %v and %v later", done, start, per, 2*per)
	}
	if st := tb.fol.Stats(); st.QueueMax != 1 || st.Requests != 1 {
		t.Fatalf("queue max %d, requests %d; want 1 and 1 (work is not a request)", st.QueueMax, st.Requests)
	}
}

// The hub keeps a proposal for its epoch, fans it out to the other members, and forgets it
// when a commit ends the epoch.
func TestProposalsLiveForOneEpoch(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	tb.w.Send(tb.b, tb.fol.Node(), &ProposeRequest{ReqID: 1, Room: "r", Sender: "b@fol", Epoch: 1, Proposal: []byte("upd-b")})
	tb.k.RunAll()
	if n := tb.hub.PendingProposals("r"); n != 1 {
		t.Fatalf("hub holds %d proposals, want 1", n)
	}
	for _, ib := range []*inbox{tb.ia, tb.ic} {
		d := last[*Deliver](t, ib)
		if ev := d.Events[0]; ev.Kind != EventProposal || ev.Sender != "b@fol" || string(ev.Handshake[0]) != "upd-b" || ev.Epoch != 1 {
			t.Fatalf("got %+v, want b's proposal", d.Events)
		}
	}
	tb.w.Send(tb.a, tb.hub.Node(), &UpdateRequest{ReqID: 2, Room: "r", Sender: "a@hub", Epoch: 1, Handshake: [][]byte{[]byte("upd-b"), []byte("commit")}})
	tb.k.RunAll()
	if n := tb.hub.PendingProposals("r"); n != 0 || tb.hub.Stats().Proposals != 1 {
		t.Fatalf("after the commit the hub holds %d proposals (accepted %d in all), want 0 (1)", n, tb.hub.Stats().Proposals)
	}
}

// Two messages of one connection reach the two-core hub together; the second, smaller one is
// served first, but the hub applies (sequences) them in their connection's order.
func TestHubAppliesAConnectionInOrder(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	tb.hub.cfg.ByteCost = 10 * time.Microsecond
	big, small := bytes.Repeat([]byte{1}, 100_000), []byte("small")
	tb.w.Send(tb.a, tb.hub.Node(), &SubmitMessageRequest{ReqID: 1, Room: "r", Sender: "a@hub", Epoch: 1, Message: big})
	tb.w.Send(tb.a, tb.hub.Node(), &SubmitMessageRequest{ReqID: 2, Room: "r", Sender: "a@hub", Epoch: 1, Message: small})
	tb.k.RunAll()
	var got [][]byte
	for _, m := range tb.ic.got {
		if d, ok := m.(*Deliver); ok {
			for _, ev := range d.Events {
				if ev.Kind == EventMessage {
					got = append(got, ev.Payload)
				}
			}
		}
	}
	if len(got) != 2 || !bytes.Equal(got[0], big) || !bytes.Equal(got[1], small) {
		t.Fatalf("c got %d messages, first of %d bytes; want the big one, then the small one", len(got), len(got[0]))
	}
	if tb.hub.Stats().HeldForOrder != 1 {
		t.Fatalf("held for order %d, want 1", tb.hub.Stats().HeldForOrder)
	}
}

// TestFanoutRecipientLists: the hub hands a follower the run of the recipient list that its
// clients form, without a copy, or, when they are not one run, a list of their own at its exact
// length; own clients get their one name. Fan-outs one after another (the scratch reused) each
// send what they were given, and the recipient lists are never modified.
func TestFanoutRecipientLists(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	tb.hub.cfg.BatchWindow = time.Hour // the notify waits in the outbox, where it is inspected
	r := tb.hub.rooms["r"]
	run := []string{"a@hub", "b@fol", "c@fol"}
	mixed := []string{"b@fol", "a@hub", "c@fol"}
	keep := [][]string{slices.Clone(run), slices.Clone(mixed)}
	tb.hub.fanout(r, []Event{{Kind: EventMessage, Seq: 100, Epoch: 1, Sender: "x@hub"}}, [][]string{run})
	tb.hub.fanout(r, []Event{{Kind: EventMessage, Seq: 101, Epoch: 1, Sender: "x@hub"}}, [][]string{mixed})
	ob := tb.hub.outbox[tb.fol.Node()]
	if ob == nil || len(ob.events) != 2 {
		t.Fatalf("outbox to the follower: %+v, want two events", ob)
	}
	for i, want := range [][]string{{"b@fol", "c@fol"}, {"b@fol", "c@fol"}} {
		if got := ob.events[i].Recipients; !slices.Equal(got, want) || cap(got) != len(got) {
			t.Fatalf("event %d to the follower: recipients %v (cap %d), want %v at its length", i, got, cap(got), want)
		}
	}
	if &ob.events[0].Recipients[0] != &run[1] {
		t.Error("a follower's run of the recipient list was copied")
	}
	if &ob.events[1].Recipients[0] == &mixed[0] {
		t.Error("a follower's clients that are not one run share the recipient list")
	}
	if !slices.Equal(run, keep[0]) || !slices.Equal(mixed, keep[1]) {
		t.Fatalf("recipient lists modified: %v %v", run, mixed)
	}
	// a@hub got both messages, addressed to it alone.
	tb.k.RunAll()
	var seqs []uint64
	for _, m := range tb.ia.got {
		if d, ok := m.(*Deliver); ok && d.Events[0].Kind == EventMessage {
			for _, ev := range d.Events {
				if !slices.Equal(ev.Recipients, []string{"a@hub"}) {
					t.Fatalf("own client's delivery addressed to %v", ev.Recipients)
				}
				seqs = append(seqs, ev.Seq)
			}
		}
	}
	if !slices.Equal(seqs, []uint64{100, 101}) {
		t.Fatalf("own client got messages %v, want [100 101]", seqs)
	}
}

// TestRecipientsOfFollowsMembership: a sender's recipient list is kept while the membership
// stays, and a commit that changes it gives the new one.
func TestRecipientsOfFollowsMembership(t *testing.T) {
	tb := newTestbed(t)
	tb.addAll(t)
	r := tb.hub.rooms["r"]
	first := r.recipientsOf("a@hub")
	if !slices.Equal(first, []string{"b@fol", "c@fol"}) || &r.recipientsOf("a@hub")[0] != &first[0] {
		t.Fatalf("recipients of a: %v, want [b@fol c@fol], kept", first)
	}
	if got := r.recipientsOf("b@fol"); !slices.Equal(got, []string{"a@hub", "c@fol"}) {
		t.Fatalf("recipients of b: %v", got)
	}
	tb.w.Send(tb.a, tb.hub.Node(), &UpdateRequest{ReqID: 2, Room: "r", Sender: "a@hub", Epoch: 1,
		Removes: []string{"c@fol"}, Handshake: [][]byte{[]byte("commit")}})
	tb.k.RunAll()
	if got := r.recipientsOf("a@hub"); !slices.Equal(got, []string{"b@fol"}) {
		t.Fatalf("after removing c, recipients of a: %v, want [b@fol]", got)
	}
	if !slices.Equal(first, []string{"b@fol", "c@fol"}) {
		t.Fatalf("the list handed out before the commit changed: %v", first)
	}
}
