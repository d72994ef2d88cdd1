package world

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/mimisim/mimisim/models/network"
	"github.com/mimisim/mimisim/results"
)

// plaintextMethod documents how e2e_encryption is checked (invariants.json quotes it).
const plaintextMethod = "every encoded message body on the Wire (the Wire's tap: client requests, provider-to-provider " +
	"requests and notifies, deliveries, responses; each of them reaches or leaves a provider) is scanned for every plaintext the ledger knows: each " +
	"plaintext is indexed by 8 of its random filler bytes (its first 8 bytes when it has no filler) in a 4 Mi-bit " +
	"filter; the scan hashes every 8-byte window of a body, and a filter hit is confirmed by comparing the whole " +
	"plaintext at that position. It finds any verbatim copy of a whole plaintext; a transformed or partial copy is " +
	"not looked for. Cost: one multiply and one bit test per body byte (bytes_scanned), a hash lookup per filter hit"

// filterBits is the size of the scan's filter (a power of two).
const filterBits = 1 << 22

// plaintextScan checks that no provider handles a plaintext (invariant e2e_encryption).
type plaintextScan struct {
	w       *World
	filter  []uint64
	index   map[uint64][]int64 // window → ledger ids of the plaintexts with that window
	indexed int
	bodies  int64
	bytes   int64
	hits    int64
	leaks   violation
}

func newPlaintextScan(w *World) *plaintextScan {
	return &plaintextScan{w: w, filter: make([]uint64, filterBits/64), index: map[uint64][]int64{}}
}

// window returns the offset of a plaintext's indexed 8 bytes.
func window(p []byte, sender string) int {
	if off := 9 + len(sender); len(p) >= off+8 {
		return off
	}
	return 0
}

func slot(x uint64) uint64 { return (x * 0x9e3779b97f4a7c15) >> (64 - 22) }

// catchUp indexes the plaintexts sent since the last call.
func (s *plaintextScan) catchUp() {
	msgs := s.w.Ledger.Messages()
	for ; s.indexed < len(msgs); s.indexed++ {
		m := msgs[s.indexed]
		if len(m.Plaintext) < 8 {
			continue
		}
		x := binary.LittleEndian.Uint64(m.Plaintext[window(m.Plaintext, m.Sender):])
		h := slot(x)
		s.filter[h/64] |= 1 << (h % 64)
		s.index[x] = append(s.index[x], m.ID)
	}
}

// tapRef counts one message sent by reference (mimi.Wire.TapRef) as a body of its encoded size
// and scans the byte vectors it carries that have not just been scanned: only those can hold a
// message's bytes (the rest of a Deliver is names and numbers).
func (s *plaintextScan) tapRef(from, to network.NodeID, size int, vectors [][]byte) {
	s.bodies++
	s.bytes += int64(size)
	for _, v := range vectors {
		s.scan(from, to, v)
	}
}

// tap scans one body; the world installs it on the Wire.
func (s *plaintextScan) tap(from, to network.NodeID, body []byte) {
	s.bodies++
	s.bytes += int64(len(body))
	s.scan(from, to, body)
}

// scan looks for the plaintext of any message sent so far in body.
func (s *plaintextScan) scan(from, to network.NodeID, body []byte) {
	s.catchUp()
	for i := 0; i+8 <= len(body); i++ {
		x := binary.LittleEndian.Uint64(body[i:])
		h := slot(x)
		if s.filter[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		s.hits++
		for _, id := range s.index[x] {
			m := s.w.Ledger.Messages()[id]
			start := i - window(m.Plaintext, m.Sender)
			if start < 0 || start+len(m.Plaintext) > len(body) || !bytes.Equal(body[start:start+len(m.Plaintext)], m.Plaintext) {
				continue
			}
			a, b := s.w.Net.Node(from).Name, s.w.Net.Node(to).Name
			s.leaks.add(results.CounterExample{TimeNs: int64(s.w.K.Now()), Actors: []string{a, b, m.Sender}, MessageID: m.ID,
				Detail: fmt.Sprintf("the plaintext of message %d from %s travelled from %s to %s in the clear (%d-byte body, offset %d)",
					m.ID, m.Sender, a, b, len(body), start)})
		}
	}
}
