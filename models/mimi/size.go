package mimi

// DeliverSize returns the encoded size of d: len(Encode(d)), and the size EncodeShared reports
// (shared vectors count as if inline), computed without encoding. The lab uses it to send a
// Deliver to a modelled client by reference (Wire.Send): the network is charged exactly the
// bytes the encoding would have.
func DeliverSize(d *Deliver) int {
	n := 1 + 1 + 8 + vecLen(len(d.Room))
	body := 0
	for i := range d.Events {
		body += eventSize(&d.Events[i])
	}
	return n + vecLen(body)
}

// eventSize is the encoded size of one Event (encoder.event).
func eventSize(ev *Event) int {
	n := 1 + 8 + 8 + vecLen(len(ev.Sender))
	rs := 0
	for _, r := range ev.Recipients {
		rs += vecLen(len(r))
	}
	hs := 0
	for _, h := range ev.Handshake {
		hs += vecLen(len(h))
	}
	return n + vecLen(rs) + vecLen(hs) + vecLen(len(ev.Payload)) + 8 + 4
}

// vecLen is the size of a vector of n bytes with its length prefix.
func vecLen(n int) int { return varintLen(n) + n }
