package sim

// queue is a 4-ary min-heap of events ordered by (At, seq). A 4-ary heap halves the depth of a
// binary heap and keeps a node's children in one or two cache lines; events are stored by value
// so the queue allocates only when it grows.
type queue []Event

func less(a, b *Event) bool {
	if a.At != b.At {
		return a.At < b.At
	}
	return a.seq < b.seq
}

func (q *queue) push(ev Event) {
	*q = append(*q, ev)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !less(&ev, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = ev
}

func (q *queue) pop() Event {
	h := *q
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h[n] = Event{} // drop references held by the vacated slot
	h = h[:n]
	*q = h
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := c + 4
		if end > n {
			end = n
		}
		for j := c + 1; j < end; j++ {
			if less(&h[j], &h[m]) {
				m = j
			}
		}
		if !less(&h[m], &last) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = last
	return top
}
