package results

import (
	"math"
	"sort"
	"unsafe"
)

// radixMin is the length from which sortFloat64s uses the radix sort: below it sort.Float64s
// is as fast and needs no scratch space.
const radixMin = 1 << 10

// Digits of the radix sort: 11 bits, so six passes cover a 64-bit key and the counts of one
// pass (2,048 of them) stay in the first-level cache.
const (
	radixBits    = 11
	radixBuckets = 1 << radixBits
	radixPasses  = 6 // ⌈64 / radixBits⌉; the counting loop of sortFloat64s has one line per pass
)

// negZeroBits is the bit pattern of -0.
const negZeroBits = 1 << 63

// sortFloat64s sorts x in increasing order and returns it: the same slice, element for
// element, that sort.Float64s(x) leaves.
//
// For a slice without NaN and without -0 the order sort.Float64s gives is unique (values that
// compare equal have the same bits), so a least-significant-digit radix sort of the IEEE 754
// bits, mapped to unsigned keys that order as the values do, gives exactly that slice in a
// fixed number of passes. A NaN or a -0 leaves more than one order that sort.Float64s may give
// (NaNs of different payloads, -0 next to +0), and which one depends on its pdqsort; so then,
// and for short slices, sortFloat64s calls sort.Float64s.
//
// scratch, if at least len(x) long, is used as the radix sort's buffer; otherwise one is
// allocated. sortFloat64s returns the scratch it used (nil if none), so that callers sorting
// many slices can pass it on.
func sortFloat64s(x, scratch []float64) []float64 {
	if len(x) < radixMin {
		sort.Float64s(x)
		return scratch
	}
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
	var counts [radixPasses][radixBuckets]uint32
	if len(x) > math.MaxUint32 {
		sort.Float64s(x)
		return scratch
	}
	// One pass maps every value to its key and counts the digits of all passes.
	for i, b := range keys {
		if b&^negZeroBits > 0x7ff0_0000_0000_0000 || b == negZeroBits { // NaN or -0
			restoreFloats(keys[:i])
			sort.Float64s(x)
			return scratch
		}
		k := floatKey(b)
		keys[i] = k
		// The six passes of 11 bits, written out: a loop here costs as much as the counting.
		counts[0][k&(radixBuckets-1)]++
		counts[1][(k>>radixBits)&(radixBuckets-1)]++
		counts[2][(k>>(2*radixBits))&(radixBuckets-1)]++
		counts[3][(k>>(3*radixBits))&(radixBuckets-1)]++
		counts[4][(k>>(4*radixBits))&(radixBuckets-1)]++
		counts[5][k>>(5*radixBits)]++
	}
	if cap(scratch) < len(x) {
		scratch = make([]float64, len(x))
	}
	scratch = scratch[:len(x)]
	src := keys
	dst := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(scratch))), len(x))
	n := uint32(len(x))
	for p := range radixPasses {
		c := &counts[p]
		shift := p * radixBits
		// A digit that every key shares orders nothing: skip the pass.
		if c[(src[0]>>shift)&(radixBuckets-1)] == n {
			continue
		}
		var sum uint32
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		for _, k := range src {
			d := (k >> shift) & (radixBuckets - 1)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	restoreFloats(keys)
	return scratch
}

// floatKey maps the bits of a float64 that is not NaN to an unsigned key in the same order:
// negative values have all bits flipped, the others only the sign bit.
func floatKey(b uint64) uint64 {
	return b ^ (uint64(int64(b)>>63) | negZeroBits)
}

// restoreFloats maps keys made by floatKey back to the bits of their values, in place.
func restoreFloats(keys []uint64) {
	for i, k := range keys {
		keys[i] = k ^ (uint64(int64(^k)>>63) | negZeroBits)
	}
}

// orderUnique reports whether x holds neither a NaN nor a -0, so that the slice sort.Float64s
// makes of it (or of any values pooled with it under the same condition) is unique.
func orderUnique(x []float64) bool {
	for _, v := range x {
		if b := math.Float64bits(v); b&^negZeroBits > 0x7ff0_0000_0000_0000 || b == negZeroBits {
			return false
		}
	}
	return true
}

// mergeSorted appends the values of runs, each sorted and all of them orderUnique, to dst in
// increasing order: the one slice sort.Float64s leaves for them all. It keeps the runs' heads
// in a binary heap, so it costs about log2(len(runs)) comparisons per value and no buffer
// besides dst.
func mergeSorted(dst []float64, runs [][]float64) []float64 {
	type head struct {
		v   float64
		run int
		pos int
	}
	h := make([]head, 0, len(runs))
	for r, run := range runs {
		if len(run) > 0 {
			h = append(h, head{run[0], r, 0})
		}
	}
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && h[c+1].v < h[c].v {
				c++
			}
			if !(h[c].v < h[i].v) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		top := &h[0]
		dst = append(dst, top.v)
		run := runs[top.run]
		if top.pos++; top.pos < len(run) {
			top.v = run[top.pos]
		} else {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return dst
}
