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
	"plaintext is indexed by k consecutive 8-byte windows of its random filler (from its first byte when it has no filler) " +
	"in a 4 Mi-bit filter, k the same for all: a power of two, at most 32, at most what the shortest plaintext allows and " +
	"at most 131,072 windows in all while k > 1 (k is 1 beyond 65,536 plaintexts); the scan hashes " +
	"every k-th 8-byte window of a body (any copy of a plaintext has one of its k indexed windows at such a position), " +
	"and a filter hit is confirmed by comparing the whole plaintext at the place it implies. It finds any verbatim copy " +
	"of a whole plaintext; a transformed or partial copy is not looked for. Cost: one multiply and one bit test per k body " +
	"bytes (bytes_scanned counts every byte), a hash lookup per filter hit"

// filterBits is the size of the scan's filter (a power of two).
const filterBits = 1 << 22

// maxStride bounds k, the windows indexed per plaintext and the scan's stride; windowBudget
// bounds the windows indexed in all (k·plaintexts), keeping the filter's false hits to a few
// per cent however long the run.
const (
	maxStride    = 32
	windowBudget = filterBits / 32
)

// plaintextScan checks that no provider handles a plaintext (invariant e2e_encryption).
type plaintextScan struct {
	w       *World
	filter  []uint64
	index   map[uint64][]indexed // window → the plaintexts with that window, and where
	indexed int                  // ledger messages indexed so far
	seen    int                  // ledger messages whose bounds on the stride were applied
	count   int                  // of those, plaintexts long enough to index (≥ 8 bytes)
	stride  int                  // k: windows indexed per plaintext, and the scan's stride
	bodies  int64
	bytes   int64
	hits    int64
	leaks   violation
}

// indexed is one indexed window: message id's plaintext has it at offset pos.
type indexed struct {
	id  int64
	pos int
}

func newPlaintextScan(w *World) *plaintextScan {
	return &plaintextScan{w: w, filter: make([]uint64, filterBits/64), index: map[uint64][]indexed{}, stride: maxStride}
}

// window returns the offset of a plaintext's first indexed window: the start of its random
// filler, after its id and sender's name, or 0 when the filler is shorter than a window.
func window(p []byte, sender string) int {
	if off := 9 + len(sender); len(p) >= off+8 {
		return off
	}
	return 0
}

// strideFor returns the largest k for which p's k windows from its first indexed one all lie
// within p.
func strideFor(p []byte, sender string) int { return len(p) - window(p, sender) - 7 }

// budgetStride is the largest power of two k ≤ maxStride with k·count ≤ windowBudget, and 1
// when even that is too many.
func budgetStride(count int) int {
	k := min(maxStride, max(1, windowBudget/max(1, count)))
	for k&(k-1) != 0 {
		k &= k - 1
	}
	return k
}

func slot(x uint64) uint64 { return (x * 0x9e3779b97f4a7c15) >> (64 - 22) }

// catchUp indexes the plaintexts sent since the last call. k is a power of two, at most
// maxStride, at most what the shortest plaintext allows and at most windowBudget/plaintexts;
// when a new plaintext lowers it, everything is indexed again with the new k (at most five
// times in a run).
func (s *plaintextScan) catchUp() {
	msgs := s.w.Ledger.Messages()
	if s.indexed == len(msgs) {
		return
	}
	k := s.stride
	for ; s.seen < len(msgs); s.seen++ {
		if m := msgs[s.seen]; len(m.Plaintext) >= 8 {
			s.count++
			k = min(k, strideFor(m.Plaintext, m.Sender))
		}
	}
	k = min(k, budgetStride(s.count))
	for k&(k-1) != 0 {
		k &= k - 1 // down to a power of two
	}
	if k < s.stride {
		s.stride, s.indexed = k, 0
		clear(s.filter)
		clear(s.index)
	}
	for ; s.indexed < len(msgs); s.indexed++ {
		m := msgs[s.indexed]
		if len(m.Plaintext) < 8 {
			continue
		}
		off := window(m.Plaintext, m.Sender)
		for j := range s.stride {
			x := binary.LittleEndian.Uint64(m.Plaintext[off+j:])
			h := slot(x)
			s.filter[h/64] |= 1 << (h % 64)
			s.index[x] = append(s.index[x], indexed{id: m.ID, pos: off + j})
		}
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
	for i := 0; i+8 <= len(body); i += s.stride {
		x := binary.LittleEndian.Uint64(body[i:])
		h := slot(x)
		if s.filter[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		s.hits++
		for _, e := range s.index[x] {
			m := s.w.Ledger.Messages()[e.id]
			start := i - e.pos
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
