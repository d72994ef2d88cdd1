package sim

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// The event queue is a ladder queue (after Tang, Goh and Thng, "Ladder queue: an O(1)
// priority queue structure for large-scale discrete event simulation", ACM TOMACS 15(3), 2005),
// reworked so that it needs no sequence numbers, with its first rung used cyclically like a
// timing wheel (Varghese and Lauck, "Hashed and hierarchical timing wheels", SOSP 1987).
// Pending events live in four tiers:
//
//   - bottom: the events due at or before botLast, where the bucket they came from kept them
//     (an array, or a wheel slot's place in the slab), with their positions sorted by time
//     (keys);
//   - finer rungs: arrays of unsorted buckets of equal width 2^shift ns, each covering, more
//     finely, what is left of one bucket of the tier above that was too full to sort;
//   - the wheel (rung 0): a power-of-two number of unsorted buckets ("slots") of equal width,
//     covering a window after the finer rungs that moves on by half its length every half turn;
//   - top: an unsorted list of the events due after the wheel's window.
//
// Scheduling appends to a bucket or to top in constant time; only events due within the
// current bucket's width are inserted into bottom. When bottom runs dry, the next non-empty
// bucket of the finest rung (or slot of the wheel) becomes bottom: its keys (offset, position)
// are sorted by a counting sort, and the events stay where they are. A bucket holding many
// events at different times is split into a finer rung instead. When the wheel has taken the
// first half of its slots, those slots take over the next stretch of time and the events of
// top due there move in; when the wheel is empty, top is spread over a new wheel whose width
// is chosen so that a slot near the front holds about bucketTarget events. An event is thus
// appended once, moved from top to a slot at most once, and sorted once with a few dozen
// others: O(1) amortized per event when event times have a smooth density (PHOLD, hold
// models). Because the wheel always reaches at least half its length ahead, few events go to
// top (PHOLD: 1.2%; a ladder's rung 0, used up before top is spread again, sent 29% there).
// Skewed times cost a split per halving of a bucket's width, many events at one instant end
// in a comparison sort, O(log n) per event, which is also what a heap would cost, and a wheel
// whose slots have become too narrow for the events (a half turn that took fewer than one
// event per sparseSlots slots) is flattened into top and rebuilt with a new width.
//
// Order without sequence numbers: the kernel must run events due at the same time in the order
// they were scheduled. Every tier keeps events with equal times in scheduling order: new
// events are appended to buckets and top, inserted into bottom after every event due at the
// same time or earlier, bucket keys are sorted stably, and events move between tiers in their
// existing order into empty buckets (a slot the wheel hands over to a new stretch of time has
// been taken, and is filled from top before anything is scheduled into it). Since the tiers
// partition time, events leave the queue in exactly the order of (time, scheduling order).
// TestQueueAgainstNaiveScheduler checks this against a sorted list under distributions that
// exercise every path.
//
// Memory: events are stored by value (48 bytes), in the wheel's slab (slotCap places per
// slot) and in bucket arrays drawn from a pool by size class and returned when emptied, so the
// queue allocates only while it grows to the largest working set it has needed. That working
// set is larger than a heap's: the slab, part-filled arrays, top and the pool come to 3 to 9
// times the events' 48 bytes (PHOLD: 7.3 MB for 16384 pending events, 20 MB for 131072), in
// exchange for a quarter of the time per event; only the slab's places in use are touched.
//
// Times are never negative (Schedule refuses times before now, and now starts at zero), so
// offsets from a rung's base are computed in uint64 without overflow, even near MaxInt64.

// Tuning, measured on PHOLD and hold models with 256 to 131072 pending events. bucketTarget is
// the number of events a bucket should hold when it is sorted into bottom; a bucket with more
// than splitAt events at different times is split into a finer rung instead; the wheel has
// maxBucketsPerTarget*n/bucketTarget slots for n events, rounded up to a power of two, and
// never more than maxBuckets (more slots keep more events out of top, but their tails stop
// fitting in a core's cache); sampleSize of top's events are looked at to choose the wheel's
// width. When insertions into bottom have moved more keys than valveMoves and than bottom
// holds, bottom is turned into a rung. A wheel slot holds about 34 PHOLD events when it is
// taken, and up to twice that near the front for Hold's uniform delays: slotCap places keep
// nearly all of them in the slab, and minBucket (the smallest array of finer rungs and
// overflows) keeps most finer buckets in their first array.
const (
	bucketTarget        = 32
	splitAt             = 4 * bucketTarget
	maxBucketsPerTarget = 4
	maxBuckets          = 4096
	sampleSize          = 128
	valveMoves          = 8 * bucketTarget
	maxCountingSort     = 255 // the counting sort counts in bytes
	minBucket           = 48  // events in the smallest bucket array
	slotCap             = 64  // events in a slot's place in the wheel's slab (< 256)
	sparseSlots         = 16  // see wheel.sparse
)

// rung is one array of buckets. Bucket i holds the events due in
// [base + i<<shift, base + (i+1)<<shift); the last bucket also holds everything up to end.
type rung struct {
	base    Time
	end     Time // last time covered
	shift   uint
	buckets [][]Event // arrays come from and go back to the queue's pool
	cur     int       // buckets[:cur] are used up
}

// index returns the bucket of an event due at at, which must lie in [base, end].
func (r *rung) index(at Time) int {
	b := uint64(at-r.base) >> (r.shift & 63)
	if last := uint64(len(r.buckets) - 1); b > last {
		return int(last)
	}
	return int(b)
}

// wheel is rung 0: a power-of-two number of buckets ("slots") of width 2^shift, used
// cyclically. Slot number i (counted from base, not wrapped) holds the events due in
// [base + i<<shift, base + (i+1)<<shift) and is stored as slot j = i % n of the n slots. Slots
// cur to front-1 accept events; front-cur <= n, so they are stored in distinct places, and
// once a slot has been taken front stays at most cur-1+n, so that the slot taken last, which
// bottom may still be using, takes nothing new. Each time cur crosses a multiple of n/2, front
// moves on to cur-1+n and the events of top that are now due before front move into the slots
// just freed. The wheel thus
// always covers at least half its length ahead of the slot being taken, instead of a span that
// shrinks to nothing before top is spread again.
type wheel struct {
	base  Time
	shift uint
	// Slot j's events are slab[j*slotCap:][:cnt[j]], then over[j] when that is full. The
	// slab gives every slot a fixed place, so that scheduling into a slot reads a one-byte
	// count instead of a slice header.
	slab  []Event
	cnt   []uint8
	over  [][]Event // arrays come from and go back to the queue's pool
	cur   uint64    // the next slot to take
	front uint64    // zero when the wheel is not in use
	count int       // events in the slots
	taken int       // events taken from the slots since the last half turn
	// sparse is set at a half turn that took fewer than one event per sparseSlots slots: the
	// slots have become too narrow for the events, and the wheel is rebuilt from scratch.
	sparse bool
}

type queue struct {
	n int // pending events

	// Bottom is the array of the bucket it was filled from, in the order the events arrived,
	// and keys[head:], the positions of its pending events in bev in time order (ties in
	// scheduling order): position = key & mask. Keys are sorted once, when bottom is filled;
	// insertions append the event to bev and insert its position among the keys.
	bev     []Event
	keys    []uint64
	mask    uint64
	botSlab bool // bev is a slot's place in the wheel's slab, not an array of the pool
	head    int
	botLast Time // events due at or before botLast belong in bottom (zero value: time 0)
	moved   int  // keys shifted by insertions since bottom was filled

	w wheel // rung 0
	// The finer rungs: rungs[0] covers the rest of the wheel's slot cur-1, rungs[i+1] the
	// rest of bucket rungs[i].cur-1. The slice keeps spares.
	rungs []rung

	top            []Event
	topMin, topMax Time

	// pool[c] holds unused bucket arrays of capacity minBucket<<c. Buckets take arrays from it
	// and give them back when emptied, so the arrays in use follow the events and the queue
	// stops allocating once the pool has what the busiest moment needed.
	pool [][][]Event

	sample  []Time   // scratch space for choosing the wheel's width
	scratch []uint64 // scratch space for sorting a bucket
	evs     []Event  // scratch space for turning bottom into a rung
}

// len returns the number of pending events.
func (q *queue) len() int { return q.n }

// push adds an event due at at. Its fast path, an event for the wheel when there are no finer
// rungs and its slot has room, is kept free of calls so that the arguments stay in registers.
func (q *queue) push(at Time, h Handler, kind int, data any) {
	if w := &q.w; at > q.botLast && len(q.rungs) == 0 {
		if i := uint64(at-w.base) >> (w.shift & 63); i < w.front {
			j := i & uint64(len(w.cnt)-1)
			if c := w.cnt[j]; c < slotCap {
				e := &w.slab[j*slotCap+uint64(c)]
				e.At, e.H, e.Kind, e.Data = at, h, kind, data
				w.cnt[j] = c + 1
				w.count++
				q.n++
				return
			}
		}
	}
	q.pushSlow(at, h, kind, data)
}

// pushSlow is push for events due in bottom, coarser rungs or top, or in a full bucket.
func (q *queue) pushSlow(at Time, h Handler, kind int, data any) {
	q.n++
	if at <= q.botLast {
		q.insert(at, h, kind, data)
		return
	}
	// at > botLast, so at is at or after the finest rung's next bucket; a coarser rung only
	// sees events after the bucket its finer rung is covering.
	for i := len(q.rungs) - 1; i >= 0; i-- {
		if r := &q.rungs[i]; at <= r.end {
			b := &r.buckets[r.index(at)]
			if len(*b) == cap(*b) {
				q.grow(b)
			}
			*b = append(*b, Event{At: at, H: h, Kind: kind, Data: data})
			return
		}
	}
	if w := &q.w; uint64(at-w.base)>>w.shift < w.front {
		ev := Event{At: at, H: h, Kind: kind, Data: data}
		q.slotAppend(uint64(at-w.base)>>w.shift&uint64(len(w.cnt)-1), &ev)
		return
	}
	if len(q.top) == 0 || at < q.topMin {
		q.topMin = at
	}
	if len(q.top) == 0 || at > q.topMax {
		q.topMax = at
	}
	q.top = append(q.top, Event{At: at, H: h, Kind: kind, Data: data})
}

// slotAppend appends *ev to the wheel's slot j.
func (q *queue) slotAppend(j uint64, ev *Event) {
	w := &q.w
	if c := w.cnt[j]; c < slotCap {
		w.slab[j*slotCap+uint64(c)] = *ev
		w.cnt[j] = c + 1
	} else {
		b := &w.over[j]
		if len(*b) == cap(*b) {
			q.grow(b)
		}
		*b = append(*b, *ev)
	}
	w.count++
}

// takeSlot empties the wheel's slot j and returns its events: its place in the slab (inSlab)
// or, if it overflowed, an array from the pool.
func (q *queue) takeSlot(j uint64) (evs []Event, inSlab bool) {
	w := &q.w
	c := uint64(w.cnt[j])
	region := w.slab[j*slotCap : j*slotCap+c : (j+1)*slotCap]
	w.cnt[j] = 0
	o := w.over[j]
	if len(o) == 0 {
		return region, true
	}
	w.over[j] = nil
	arr := append(append(q.alloc(len(region)+len(o)), region...), o...)
	clear(region)
	clear(o)
	q.release(o)
	return arr, false
}

// alloc returns an empty array from the pool (or a new one) with room for n events.
func (q *queue) alloc(n int) []Event {
	c := 0
	for minBucket<<c < n {
		c++
	}
	if c >= len(q.pool) {
		q.pool = append(q.pool, make([][][]Event, c+1-len(q.pool))...)
	}
	if p := q.pool[c]; len(p) > 0 {
		arr := p[len(p)-1]
		q.pool[c] = p[:len(p)-1]
		return arr
	}
	return make([]Event, 0, minBucket<<c)
}

// grow replaces the full bucket array *b by one twice as large (minBucket events for an
// empty bucket), taken from the pool when there is one there.
func (q *queue) grow(b *[]Event) {
	old := *b
	c := 0
	if cap(old) > 0 {
		c = bits.Len(uint(cap(old) / minBucket)) // the class above old's
	}
	if c >= len(q.pool) {
		q.pool = append(q.pool, make([][][]Event, c+1-len(q.pool))...)
	}
	var arr []Event
	if p := q.pool[c]; len(p) > 0 {
		arr, q.pool[c] = p[len(p)-1], p[:len(p)-1]
	} else {
		arr = make([]Event, 0, minBucket<<c)
	}
	*b = append(arr, old...)
	if cap(old) > 0 {
		clear(old)
		q.release(old)
	}
}

// release returns the array of a bucket whose events have moved elsewhere (and been cleared)
// to the pool.
func (q *queue) release(b []Event) {
	c := bits.Len(uint(cap(b)/minBucket)) - 1
	q.pool[c] = append(q.pool[c], b[:0])
}

// insert puts an event into bottom after every event due at or before at: it appends the
// event to bev and inserts its position among the keys, shifting whichever side of the
// insertion point is shorter.
func (q *queue) insert(at Time, h Handler, kind int, data any) {
	if len(q.bev) == cap(q.bev) {
		if q.botSlab {
			arr := append(q.alloc(len(q.bev)+1), q.bev...)
			clear(q.bev)
			q.bev, q.botSlab = arr, false
		} else {
			q.grow(&q.bev)
		}
	}
	i := uint64(len(q.bev))
	q.bev = append(q.bev, Event{At: at, H: h, Kind: kind, Data: data})
	if i > q.mask {
		// Positions no longer fit under the mask that strips the sort's time bits: strip them
		// now, once, and keep bare positions from here on.
		for j := q.head; j < len(q.keys); j++ {
			q.keys[j] &= q.mask
		}
		q.mask = math.MaxUint64
	}
	lo, hi := q.head, len(q.keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if q.bev[q.keys[m]&q.mask].At <= at {
			lo = m + 1
		} else {
			hi = m
		}
	}
	p := lo
	if left, right := p-q.head, len(q.keys)-p; q.head > 0 && left < right {
		copy(q.keys[q.head-1:p-1], q.keys[q.head:p])
		q.head--
		q.keys[p-1] = i
		q.moved += left
	} else {
		if len(q.keys) == cap(q.keys) && q.head > 0 {
			// Reuse the space of the keys already popped instead of growing.
			n := copy(q.keys, q.keys[q.head:])
			q.keys = q.keys[:n]
			p -= q.head
			q.head = 0
		}
		q.keys = append(q.keys, 0)
		copy(q.keys[p+1:], q.keys[p:])
		q.keys[p] = i
		q.moved += right
	}
	if n := len(q.keys) - q.head; q.moved > valveMoves && q.moved > n && n > splitAt {
		q.valve()
	}
}

// peek returns the next event without removing it. The queue must not be empty.
func (q *queue) peek() *Event {
	if q.head == len(q.keys) {
		q.refill()
	}
	return &q.bev[q.keys[q.head]&q.mask]
}

// refill fills the empty bottom from the next non-empty bucket, creating rungs as needed.
// The queue must not be empty.
func (q *queue) refill() {
	q.dropBottom()
	for {
		var b []Event
		var first, last Time
		inSlab := false
		if len(q.rungs) > 0 {
			r := &q.rungs[len(q.rungs)-1]
			for r.cur < len(r.buckets) && len(r.buckets[r.cur]) == 0 {
				r.cur++
			}
			if r.cur == len(r.buckets) {
				q.botLast = r.end
				q.rungs = q.rungs[:len(q.rungs)-1]
				continue
			}
			b = r.buckets[r.cur]
			r.buckets[r.cur] = nil
			first = r.base + Time(uint64(r.cur)<<r.shift)
			r.cur++
			last = r.end
			if r.cur < len(r.buckets) {
				last = first + Time(uint64(1)<<r.shift) - 1
			}
		} else {
			w := &q.w
			if w.count == 0 {
				q.spreadTop()
				continue
			}
			mask := uint64(len(w.cnt) - 1)
			for w.cnt[w.cur&mask] == 0 && !w.sparse {
				q.advance()
			}
			if w.sparse {
				q.flatten()
				continue
			}
			b, inSlab = q.takeSlot(w.cur & mask)
			w.count -= len(b)
			w.taken += len(b)
			first = w.base + Time(w.cur<<w.shift) // b's events are due at or after first: no overflow
			last = math.MaxInt64
			if width := Time(uint64(1)<<w.shift) - 1; first <= math.MaxInt64-width {
				last = first + width
			}
			q.advance()
		}
		if len(b) > splitAt {
			if lo, hi := timeRange(b); lo != hi {
				q.addRung(b, lo, hi, last)
				clear(b)
				if !inSlab {
					q.release(b)
				}
				continue
			}
		}
		q.botLast = last
		q.sortInto(b, first, last)
		q.botSlab = inSlab
		return
	}
}

// advance moves the wheel on by one slot; every half turn, front moves on by half the slots
// and the events of top due before it move into the slots so freed.
func (q *queue) advance() {
	w := &q.w
	w.cur++
	half := uint64(len(w.cnt) / 2)
	if w.cur&(half-1) != 0 {
		return
	}
	// Slot cur-1, the one bottom may still be using, stays out of the window for another
	// half turn.
	w.front = w.cur + uint64(len(w.cnt)) - 1
	if w.taken*sparseSlots < int(half) {
		w.sparse = true
	}
	w.taken = 0
	if len(q.top) == 0 || uint64(q.topMin-w.base)>>w.shift >= w.front {
		return
	}
	q.topIntoWheel()
}

// topIntoWheel moves the events of top that fall before the wheel's front into their slots
// and recomputes top's bounds.
func (q *queue) topIntoWheel() {
	w := &q.w
	mask := uint64(len(w.cnt) - 1)
	kept := q.top[:0]
	var lo, hi Time
	for i := range q.top {
		ev := &q.top[i]
		if j := uint64(ev.At-w.base) >> w.shift; j < w.front {
			q.slotAppend(j&mask, ev)
			continue
		}
		if len(kept) == 0 || ev.At < lo {
			lo = ev.At
		}
		if len(kept) == 0 || ev.At > hi {
			hi = ev.At
		}
		kept = append(kept, *ev)
	}
	clear(q.top[len(kept):]) // drop references to the events that moved
	q.top = kept
	q.topMin, q.topMax = lo, hi
}

// dropBottom empties bottom, returning its array to the pool.
func (q *queue) dropBottom() {
	if cap(q.bev) > 0 {
		clear(q.bev) // drop the references the handled events held, all at once
		if !q.botSlab {
			q.release(q.bev)
		}
	}
	q.botSlab = false
	q.bev, q.keys, q.mask, q.head, q.moved = nil, q.keys[:0], math.MaxUint64, 0, 0
}

// sortInto makes evs, an array from the pool whose times lie in [first, last], the empty
// bottom, and sorts its keys: by At, events due at the same time in their order in evs.
func (q *queue) sortInto(evs []Event, first, last Time) {
	q.bev = evs
	ib := uint(bits.Len(uint(len(evs))))
	kb := uint(bits.Len64(uint64(last-first))) + ib
	if kb > 64 || len(evs) > maxCountingSort {
		// Too wide to pack (a bucket spanning centuries), or many events (all due at one
		// time, or a bucket that could not be split).
		keys := slices.Grow(q.keys[:0], len(evs))[:len(evs)]
		for i := range keys {
			keys[i] = uint64(i)
		}
		slices.SortStableFunc(keys, func(a, b uint64) int { return cmp.Compare(evs[a].At, evs[b].At) })
		q.keys, q.mask = keys, math.MaxUint64
		return
	}
	// Sort 64-bit keys (offset from first, then position in evs) instead of moving 48-byte
	// events around. The keys are distinct, so ties keep their order. A counting sort on the
	// keys' top six bits does nearly all the work without a comparison; an insertion sort then
	// fixes the few keys that shared one of the 64 ranges. The 64 counts are bytes packed in
	// eight words, so that the prefix sums take eight multiplications.
	in := slices.Grow(q.scratch[:0], len(evs))[:len(evs)]
	out := slices.Grow(q.keys[:0], len(evs))[:len(evs)]
	s := uint(0)
	if kb > 6 {
		s = kb - 6
	}
	var count [8]uint64
	for i := range evs {
		k := uint64(evs[i].At-first)<<ib | uint64(i)
		in[i] = k
		r := k >> s
		count[r>>3&7] += 1 << (r & 7 * 8)
	}
	// Inclusive prefix sums: byte j of count becomes the number of keys in ranges 0..j.
	total := uint64(0)
	for w := range count {
		c := count[w]*0x0101010101010101 + total*0x0101010101010101
		count[w] = c
		total = c >> 56
	}
	// Place keys from the last down, so that keys sharing a range keep their order.
	for i := len(in) - 1; i >= 0; i-- {
		k := in[i]
		r := k >> s
		sh := r & 7 * 8
		count[r>>3&7] -= 1 << sh
		out[count[r>>3&7]>>sh&0xff] = k
	}
	for i := 1; i < len(out); i++ {
		if k := out[i]; k < out[i-1] {
			j := i
			for ; j > 0 && out[j-1] > k; j-- {
				out[j] = out[j-1]
			}
			out[j] = k
		}
	}
	q.keys, q.scratch, q.mask = out, in, uint64(1)<<ib-1
}

// valve turns bottom into a finer rung when insertions into it have become expensive: bottom
// has grown long and events keep arriving in its middle.
func (q *queue) valve() {
	q.moved = 0
	keys := q.keys[q.head:]
	lo, hi := q.bev[keys[0]&q.mask].At, q.bev[keys[len(keys)-1]&q.mask].At
	if lo == hi {
		return // all at one time: insertions go to the end and cost nothing
	}
	evs := q.evs[:0]
	for _, k := range keys {
		evs = append(evs, q.bev[k&q.mask])
	}
	q.dropBottom()
	q.addRung(evs, lo, hi, q.botLast)
	clear(evs)
	q.evs = evs[:0]
}

// addRung makes a new finest rung covering [lo, last] from evs (due in [lo, hi], hi > lo,
// equal times in scheduling order), with buckets about bucketTarget events wide, and moves evs
// into it. Events due before lo go into bottom from now on.
func (q *queue) addRung(evs []Event, lo, hi, last Time) {
	span := uint64(hi - lo)
	// Width span*bucketTarget/len(evs), rounded down to a power of two, and at most span, so
	// that lo and hi land in different buckets and the split makes progress.
	w := span
	if hi128, lo128 := bits.Mul64(span, bucketTarget); hi128 < uint64(len(evs)) {
		w, _ = bits.Div64(hi128, lo128, uint64(len(evs)))
	}
	shift := uint(0)
	if w > 1 {
		shift = uint(bits.Len64(min(w, span)) - 1)
	}
	nb := uint64(last-lo)>>shift + 1
	if limit := uint64(2 * len(evs) / bucketTarget); nb > limit {
		nb = max(limit, span>>shift+1) // never fewer buckets than needed to separate lo and hi
	}
	r := q.newRung(lo, last, shift, int(nb))
	for i := range evs {
		bk := &r.buckets[r.index(evs[i].At)]
		if len(*bk) == cap(*bk) {
			q.grow(bk)
		}
		*bk = append(*bk, evs[i])
	}
	q.botLast = lo - 1
}

// newRung pushes a rung with nb empty buckets, reusing a spare one's buckets.
func (q *queue) newRung(base, end Time, shift uint, nb int) *rung {
	q.rungs = slices.Grow(q.rungs, 1)[:len(q.rungs)+1]
	r := &q.rungs[len(q.rungs)-1]
	r.base, r.end, r.shift, r.cur = base, end, shift, 0
	// The bucket headers past len(r.buckets) are all nil: reslice to reuse their space.
	if nb > cap(r.buckets) {
		r.buckets = slices.Grow(r.buckets, nb-len(r.buckets))
	}
	r.buckets = r.buckets[:nb]
	return r
}

// flatten moves the wheel's events to top and empties the wheel.
func (q *queue) flatten() {
	w := &q.w
	mask := uint64(len(w.cnt) - 1)
	for i := w.cur; i < w.front; i++ {
		if w.cnt[i&mask] == 0 {
			continue
		}
		b, inSlab := q.takeSlot(i & mask)
		for j := range b {
			if at := b[j].At; len(q.top) == 0 || at < q.topMin {
				q.topMin = at
			}
			if at := b[j].At; len(q.top) == 0 || at > q.topMax {
				q.topMax = at
			}
			q.top = append(q.top, b[j])
		}
		clear(b)
		if !inSlab {
			q.release(b)
		}
	}
	w.count, w.taken, w.sparse = 0, 0, false
}

// spreadTop makes a new wheel starting at top's earliest time and moves top's events into it;
// events beyond its last slot stay in top. There must be no finer rungs, the wheel must be
// empty and top must not be empty.
func (q *queue) spreadTop() {
	n := len(q.top)
	span := uint64(q.topMax - q.topMin)
	shift := q.width(span)
	nb := span>>shift + 1
	if limit := uint64(min(max(1, maxBucketsPerTarget*n/bucketTarget), maxBuckets)); nb > limit {
		nb = limit
	}
	nb = max(2, uint64(1)<<bits.Len64(nb-1)) // a power of two, so that halves are whole
	w := &q.w
	if uint64(cap(w.cnt)) < nb {
		w.cnt = make([]uint8, nb)
		w.over = make([][]Event, nb)
		w.slab = make([]Event, nb*slotCap)
	}
	// All empty: every slot of the last wheel was taken, and taking clears.
	w.cnt, w.over, w.slab = w.cnt[:nb], w.over[:nb], w.slab[:nb*slotCap]
	w.base, w.shift, w.cur, w.front, w.taken, w.sparse = q.topMin, shift, 0, nb, 0, false
	q.botLast = w.base - 1

	q.topIntoWheel() // front = nb and mask = nb-1: every slot index j < nb is j
}

// width returns the shift of the wheel's slot width for top, whose events span span ns: wide
// enough for about bucketTarget events per bucket at the density of the earliest quarter of
// top, estimated from a sample of top's times taken at a fixed stride.
func (q *queue) width(span uint64) uint {
	n := len(q.top)
	if n <= bucketTarget || span == 0 {
		return uint(bits.Len64(span)) // one bucket holds everything
	}
	m := min(n, sampleSize)
	s := q.sample[:0]
	for i := 0; i < m; i++ {
		s = append(s, q.top[i*n/m].At)
	}
	slices.Sort(s)
	q.sample = s
	j := m / 4
	dt := uint64(s[j] - s[0])
	// About j*n/m events lie within dt of the front, so a width of dt*bucketTarget*m/(j*n)
	// holds about bucketTarget of them.
	hi, lo := bits.Mul64(dt, bucketTarget*uint64(m))
	if hi >= uint64(j*n) {
		return uint(bits.Len64(span))
	}
	w, _ := bits.Div64(hi, lo, uint64(j*n))
	if w <= 1 {
		return 0
	}
	return uint(bits.Len64(w) - 1)
}

// timeRange returns the earliest and latest times in evs, which must not be empty.
func timeRange(evs []Event) (lo, hi Time) {
	lo, hi = evs[0].At, evs[0].At
	for i := 1; i < len(evs); i++ {
		lo = min(lo, evs[i].At)
		hi = max(hi, evs[i].At)
	}
	return lo, hi
}
