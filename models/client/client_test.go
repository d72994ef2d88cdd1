package client

import (
	"strings"
	"testing"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/gomls"
	"github.com/mimisim/mimisim/sim"
)

func TestLedgerChecksPlaintexts(t *testing.T) {
	k := sim.New(1)
	l := NewLedger(k.Stream("payload"))
	a := l.New("c000@hub", 5, 100)
	b := l.New("c001@us", 6, 3) // shorter than the header: grows to fit it
	if len(a.Plaintext) != 100 || a.ID != 0 || b.ID != 1 || len(b.Plaintext) != headerSize+len("c001@us") {
		t.Fatalf("ledger entries %+v %+v", a, b)
	}
	if s, err := l.Check(a.Plaintext); err != nil || s.Sender != "c000@hub" || s.At != 5 {
		t.Fatalf("Check(a) = %+v, %v", s, err)
	}
	bad := append([]byte(nil), a.Plaintext...)
	bad[50] ^= 1
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"altered", bad, "differs"},
		{"short", a.Plaintext[:4], "too short"},
		{"unknown id", append([]byte{0, 0, 0, 0, 0, 0, 0, 9}, a.Plaintext[8:]...), "unknown message 9"},
	} {
		if _, err := l.Check(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// log is a Recorder that keeps what it is told.
type log struct {
	decrypted []int64
	epochs    []uint64
	fails     []error
	refused   []string
}

func (l *log) Refused(_ *Client, _ *mimi.Event, kind string, _ error) {
	l.refused = append(l.refused, kind)
}
func (l *log) Left(*Client, mls.Member, sim.Time) {}

func (l *log) Joined(*Client, sim.Time)                         {}
func (l *log) Accepted(*Client, int64, sim.Time, sim.Time)      {}
func (l *log) Decrypted(_ *Client, m Sent, _ sim.Time)          { l.decrypted = append(l.decrypted, m.ID) }
func (l *log) Epoch(_ *Client, e uint64, _ sim.Time)            { l.epochs = append(l.epochs, e) }
func (l *log) Rejected(*Client, mimi.Type, mimi.Code, sim.Time) {}
func (l *log) Committed(*Client, CommitOutcome)                 {}
func (l *log) Fail(_ *Client, err error)                        { l.fails = append(l.fails, err) }

type flatCost struct{}

func (flatCost) CPU(mls.Op, int, string) time.Duration { return time.Millisecond }

// pair is a go-mls member a that created room "r" and added b, and the client b that joined
// from a's Welcome (delivered with LinkSeq 1, hub sequence number 1; not yet charged: the
// kernel has not run).
type pair struct {
	a      mls.Member
	b      *Client
	k      *sim.Kernel
	rec    *log
	ledger *Ledger
}

func newPair(t *testing.T) *pair {
	t.Helper()
	eng := gomls.New()
	ca, err := eng.NewClient("a@hub", []byte("seed-a"))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := eng.NewClient("b@hub", []byte("seed-b"))
	a, err := ca.CreateGroup([]byte("r"))
	if err != nil {
		t.Fatal(err)
	}
	kp, _ := cb.KeyPackage()
	add, err := a.Add([][]byte{kp})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Adopt(add); err != nil {
		t.Fatal(err)
	}
	k := sim.New(1)
	p := &pair{a: a, k: k, rec: &log{}, ledger: NewLedger(k.Stream("payload"))}
	p.b = New(k, nil, Config{ID: "b@hub", Device: "phone", Room: "r"}, cb, flatCost{}, p.rec, p.ledger)
	deliver(p.b, 1, mimi.Event{Kind: mimi.EventWelcome, Seq: 1, Epoch: a.Epoch(), Sender: "a@hub", Payload: add.Welcome})
	if p.b.Member() == nil || p.b.Member().Epoch() != a.Epoch() {
		t.Fatalf("b did not join: %v", p.rec.fails)
	}
	return p
}

// update has a commit an update and adopt it: the commit and the epoch it ends.
func (p *pair) update(t *testing.T) (*mls.Pending, uint64) {
	t.Helper()
	e := p.a.Epoch()
	up, err := p.a.Update()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.a.Adopt(up); err != nil {
		t.Fatal(err)
	}
	return up, e
}

func deliver(c *Client, seq uint64, evs ...mimi.Event) {
	body := mimi.Encode(&mimi.Deliver{LinkSeq: seq, Room: "r", Events: evs})
	c.Handle(c.k, sim.Event{Kind: mimi.KindPacket, Data: &mimi.Packet{Body: body}})
}

// TestOutOfOrderDeliveriesAndLaterEpochs: a message of epoch 2 that arrives (LinkSeq 2) before
// the commit that leads to epoch 2 (LinkSeq 1) waits for it; then both are applied in order and
// the message is decrypted and checked.
func TestOutOfOrderDeliveriesAndLaterEpochs(t *testing.T) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	// a commits an update (epoch e → e+1) and sends a message in the new epoch.
	up, e := p.update(t)
	s := ledger.New("a@hub", 0, 100)
	ct, err := a.Protect(s.Plaintext)
	if err != nil {
		t.Fatal(err)
	}
	deliver(b, 3, mimi.Event{Kind: mimi.EventMessage, Seq: 3, Epoch: e + 1, Sender: "a@hub", Payload: ct})
	if len(rec.decrypted) != 0 || b.Member().Epoch() != e {
		t.Fatal("a delivery that arrived early was applied before the one before it")
	}
	deliver(b, 2, mimi.Event{Kind: mimi.EventCommit, Seq: 2, Epoch: e, Sender: "a@hub", Handshake: up.Handshake})
	k.RunAll()
	if len(rec.fails) != 0 {
		t.Fatalf("failures: %v", rec.fails)
	}
	if b.Member().Epoch() != e+1 || len(rec.decrypted) != 1 || rec.decrypted[0] != s.ID {
		t.Fatalf("b at epoch %d (want %d), decrypted %v", b.Member().Epoch(), e+1, rec.decrypted)
	}
	// Join, process and unprotect each cost 1 ms on b's one core, one after another.
	if b.CPUBusy() != 3*time.Millisecond || k.Now() != sim.Time(3*time.Millisecond) {
		t.Fatalf("b used %v of CPU, finishing at %v", b.CPUBusy(), k.Now())
	}
}

// TestTamperedMessageRefused: a client refuses a tampered ciphertext (kind decrypt) and goes on.
func TestTamperedMessageRefused(t *testing.T) {
	p := newPair(t)
	a, b, k, rec, ledger := p.a, p.b, p.k, p.rec, p.ledger
	s := ledger.New("a@hub", 0, 100)
	ct, _ := a.Protect(s.Plaintext)
	ct[len(ct)-1] ^= 0x80
	deliver(b, 2, mimi.Event{Kind: mimi.EventMessage, Seq: 2, Epoch: a.Epoch(), Sender: "a@hub", Payload: ct})
	k.RunAll()
	if len(rec.fails) != 0 || len(rec.decrypted) != 0 || len(rec.refused) != 1 || rec.refused[0] != RefuseDecrypt {
		t.Fatalf("a tampered message gave failures %v, decryptions %v and refusals %v", rec.fails, rec.decrypted, rec.refused)
	}
	// The next message of the sender still decrypts.
	s2 := ledger.New("a@hub", 0, 100)
	ct2, _ := a.Protect(s2.Plaintext)
	deliver(b, 3, mimi.Event{Kind: mimi.EventMessage, Seq: 3, Epoch: a.Epoch(), Sender: "a@hub", Payload: ct2})
	k.RunAll()
	if len(rec.decrypted) != 1 || rec.decrypted[0] != s2.ID {
		t.Fatalf("after the refusal: decryptions %v", rec.decrypted)
	}
}
