package group

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// benchGroup builds an n-member group in one Add commit and returns the members.
func benchGroup(b *testing.B, n int) []*Group { return benchGroupWith(b, n, Config{}) }

// benchGroupWith is benchGroup with every member configured by cfg.
func benchGroupWith(b *testing.B, n int, cfg Config) []*Group {
	s := suite1(b)
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("m0")})
	if err != nil {
		b.Fatal(err)
	}
	g0, err := Create(kb, []byte("bench"), nil, cfg)
	if err != nil {
		b.Fatal(err)
	}
	var kps []*wire.KeyPackage
	var kbs []*KeyPackageBundle
	for i := 1; i < n; i++ {
		kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte(fmt.Sprint("m", i))})
		if err != nil {
			b.Fatal(err)
		}
		kps, kbs = append(kps, kb.KeyPackage), append(kbs, kb)
	}
	pc, err := g0.Commit(CommitOptions{Add: kps})
	if err != nil {
		b.Fatal(err)
	}
	if err := g0.Adopt(pc); err != nil {
		b.Fatal(err)
	}
	gs := []*Group{g0}
	for _, kb := range kbs {
		g, err := Join(pc.Welcome, kb, cfg)
		if err != nil {
			b.Fatal(err)
		}
		gs = append(gs, g)
	}
	return gs
}

// BenchmarkCommitUpdate measures one full (path) commit with no proposals: building it and
// adopting it (committer), and processing it (one receiver, rotating).
func BenchmarkCommitUpdate(b *testing.B) {
	for _, n := range []int{8, 64} {
		gs := benchGroup(b, n)
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c := gs[i%n]
				pc, err := c.Commit(CommitOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for j, g := range gs {
					if g == c {
						continue
					}
					if _, err := g.Process(pc.Commit); err != nil {
						b.Fatal(j, err)
					}
				}
				if err := c.Adopt(pc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n-1), "receivers/op")
		})
	}
}

// benchSenders is the number of members that send application messages in
// BenchmarkUnprotectShared, as in the lab's bigroom scenario (scenarios/files/bigroom.yaml).
const benchSenders = 10

// BenchmarkUnprotectShared measures the lab's receive path of a large room: one member of an
// n-member group whose members share a Share (signature memo, AEAD cache) processing an
// application PrivateMessage (100-byte payload) with ProcessTo, as the rfc9420 engine's Unprotect
// does. One op is one delivery; every message is
// processed by the n-1 others, and messages come from benchSenders senders in turn. The members
// have already received one message from every sender (their secret trees hold those leaves), so
// the figures are those of the steady state; the first message from a sender also derives that
// sender's leaf secrets (see secrettree).
func BenchmarkUnprotectShared(b *testing.B) { benchUnprotectShared(b, false) }

// BenchmarkUnprotectAppendShared is BenchmarkUnprotectShared with ProcessAppend into one reused
// buffer, as the rfc9420 engine's UnprotectAppend does for the lab's prefetched decryptions.
func BenchmarkUnprotectAppendShared(b *testing.B) { benchUnprotectShared(b, true) }

func benchUnprotectShared(b *testing.B, appendTo bool) {
	for _, n := range []int{1024} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			gs := benchGroupWith(b, n, Config{Share: NewShare(), OutOfBandTree: true})
			payload := make([]byte, 100)
			seq := 0
			next := func() (int, []byte) { // the next message and its sender
				from := (seq * 97) % benchSenders // senders spread over the tree
				seq++
				from = from * (n / benchSenders)
				payload[0] = byte(seq)
				m, err := gs[from].Protect(payload, nil)
				if err != nil {
					b.Fatal(err)
				}
				return from, m
			}
			buf := make([]byte, 0, 256)
			deliver := func(from int, m []byte, to int) {
				var r Received // as engine.Member.Unprotect does
				var err error
				if appendTo {
					err = gs[to].ProcessAppend(m, &r, buf[:0])
				} else {
					err = gs[to].ProcessTo(m, &r)
				}
				if err != nil {
					b.Fatal(to, err)
				}
				if r.ContentType != framing.ContentApplication || len(r.ApplicationData) != len(payload) || int(r.Sender) != from {
					b.Fatalf("received %+v", r)
				}
			}
			for range benchSenders { // warm up: one message from every sender, to everyone
				from, m := next()
				for to := range gs {
					if to != from {
						deliver(from, m, to)
					}
				}
			}
			from, m := next()
			to := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for to == from || to == n {
					if to == n {
						b.StopTimer()
						from, m = next()
						to = 0
						b.StartTimer()
					} else {
						to++
					}
				}
				deliver(from, m, to)
				to++
			}
		})
	}
}

// BenchmarkProcessCommitShared measures the lab's commit processing in a large room: one member
// of an n-member group whose members share a Share processing an empty commit with path (the
// public half computed by the first receiver, reused by the others; every member decrypting its
// own path secret and running its key schedule). At 4,096 members the commit (about 370 KB) is
// a LargeMessage, as in the lab's large rooms: its frame is authenticated once. One op is one receiver; each commit is processed
// by the n-1 others, then adopted by its committer (timer stopped), committers in turn.
func BenchmarkProcessCommitShared(b *testing.B) {
	for _, n := range []int{4096} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			gs := benchGroupWith(b, n, Config{Share: NewShare(), OutOfBandTree: true})
			seq := 0
			next := func() (int, *PendingCommit) {
				from := (seq * 97) % n
				seq++
				pc, err := gs[from].Commit(CommitOptions{})
				if err != nil {
					b.Fatal(err)
				}
				return from, pc
			}
			from, pc := next()
			to := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for to == from || to == n {
					if to == n {
						b.StopTimer()
						if err := gs[from].Adopt(pc); err != nil {
							b.Fatal(err)
						}
						from, pc = next()
						to = 0
						b.StartTimer()
					} else {
						to++
					}
				}
				var r Received
				if err := gs[to].ProcessTo(pc.Commit, &r); err != nil {
					b.Fatal(to, err)
				}
				to++
			}
		})
	}
}
