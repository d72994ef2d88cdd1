package client

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/mimisim/mimisim/sim"
)

// Ledger records every application message sent in a run: its id, sender, time and plaintext,
// so that receivers can check what they decrypt and the run can measure latencies.
type Ledger struct {
	rng   *rand.Rand
	msgs  []Sent
	bound map[[16]byte]int64 // real ciphertext (its last 16 bytes, the AEAD tag) → message id
}

// Sent is one message in the ledger.
type Sent struct {
	ID        int64
	Sender    string
	At        sim.Time // when the user hit send (before encryption)
	Plaintext []byte
	Tag       string // what the message is for, e.g. a call's offer; "" for chat
}

// NewLedger returns a ledger drawing message filler from rng.
func NewLedger(rng *rand.Rand) *Ledger { return &Ledger{rng: rng} }

// headerSize is the message id and a length byte before the sender's name in each plaintext.
const headerSize = 9

// New records a new message of size bytes from sender and returns it. The plaintext begins with
// the message id and the sender's name, and is filled with random bytes, so that no two
// plaintexts are alike and none can be mistaken for protocol bytes.
func (l *Ledger) New(sender string, at sim.Time, size int) Sent {
	id := int64(len(l.msgs))
	min := headerSize + len(sender)
	if size < min {
		size = min
	}
	p := make([]byte, size)
	binary.BigEndian.PutUint64(p, uint64(id))
	p[8] = byte(len(sender))
	copy(p[headerSize:], sender)
	for i := min; i < size; i++ {
		p[i] = byte(l.rng.Uint32())
	}
	s := Sent{ID: id, Sender: sender, At: at, Plaintext: p}
	l.msgs = append(l.msgs, s)
	return s
}

// Check finds the message a decrypted plaintext claims to be and verifies it byte for byte.
func (l *Ledger) Check(plaintext []byte) (Sent, error) {
	id, err := checkIn(l.msgs, plaintext)
	if err != nil {
		return Sent{}, err
	}
	return l.msgs[id], nil
}

// LedgerView is the ledger's messages as of View: a worker may Check a plaintext against them
// while the kernel's thread records new messages (a message's entry does not change once it
// has been sent).
type LedgerView struct{ msgs []Sent }

// View returns the ledger's messages so far, for Check on another goroutine.
func (l *Ledger) View() LedgerView { return LedgerView{msgs: l.msgs} }

// check is Ledger.Check on the view's messages; it returns the message's id.
func (v LedgerView) check(plaintext []byte) (int64, error) { return checkIn(v.msgs, plaintext) }

func checkIn(msgs []Sent, plaintext []byte) (int64, error) {
	if len(plaintext) < headerSize {
		return 0, fmt.Errorf("plaintext of %d bytes is too short", len(plaintext))
	}
	id := int64(binary.BigEndian.Uint64(plaintext))
	if id < 0 || id >= int64(len(msgs)) {
		return 0, fmt.Errorf("plaintext names unknown message %d", id)
	}
	if s := &msgs[id]; string(s.Plaintext) != string(plaintext) {
		return 0, fmt.Errorf("plaintext of message %d differs from what %s sent", id, s.Sender)
	}
	return id, nil
}

// Messages returns every message sent, in order.
func (l *Ledger) Messages() []Sent { return l.msgs }

// Bind records that ciphertext carries message id, so that modelled recipients, which hold no
// keys, can tell which message they were charged for. Used in sampled fidelity only.
func (l *Ledger) Bind(ciphertext []byte, id int64) {
	if l.bound == nil {
		l.bound = make(map[[16]byte]int64)
	}
	l.bound[tagOf(ciphertext)] = id
}

// tagOf returns the last 16 bytes of a ciphertext: the AEAD tag of an MLS PrivateMessage, which
// tells messages apart (a collision would need two equal 128-bit tags).
func tagOf(b []byte) (t [16]byte) {
	if len(b) >= 16 {
		copy(t[:], b[len(b)-16:])
	}
	return t
}

// Lookup finds the message a ciphertext carries without decrypting it: a real ciphertext
// recorded with Bind, or a modelled member's filler, which begins with the message id.
func (l *Ledger) Lookup(b []byte) (Sent, error) {
	if id, ok := l.bound[tagOf(b)]; ok && len(b) >= 16 {
		return l.msgs[id], nil
	}
	if len(b) < 8 {
		return Sent{}, fmt.Errorf("modelled message of %d bytes is too short", len(b))
	}
	id := int64(binary.BigEndian.Uint64(b))
	if id < 0 || id >= int64(len(l.msgs)) {
		return Sent{}, fmt.Errorf("modelled message names unknown message %d", id)
	}
	return l.msgs[id], nil
}

// NewBody records a new message from sender whose plaintext carries body after the message id
// and the sender's name (in place of New's random filler), such as a MIMI content reference.
func (l *Ledger) NewBody(sender string, at sim.Time, body []byte) Sent {
	id := int64(len(l.msgs))
	p := make([]byte, headerSize+len(sender), headerSize+len(sender)+len(body))
	binary.BigEndian.PutUint64(p, uint64(id))
	p[8] = byte(len(sender))
	copy(p[headerSize:], sender)
	p = append(p, body...)
	s := Sent{ID: id, Sender: sender, At: at, Plaintext: p}
	l.msgs = append(l.msgs, s)
	return s
}

// Body returns what a message's plaintext carries after its id and sender's name.
func (s Sent) Body() []byte {
	if len(s.Plaintext) < headerSize {
		return nil
	}
	return s.Plaintext[min(len(s.Plaintext), headerSize+int(s.Plaintext[8])):]
}
