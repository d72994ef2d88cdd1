package mimi

// Accepted describes one event the hub accepted, as the hub's observer sees it (OnAccept).
type Accepted struct {
	Room string
	// Event is the accepted commit or message as the hub fans it out (Recipients unset).
	Event Event
	// Recipients are the members the event is fanned out to: for a message every member of its
	// epoch but the sender; for a commit every member of the epoch it ends, the committer
	// included (it adopts its commit when it comes back). The list is the hub's and may be
	// shared with other events (a message's with every message of its sender in the epoch):
	// read it, never modify it.
	Recipients []string
	// Adds and Removes are a commit's participant-list change.
	Adds, Removes []string
	// NewEpoch is the room's epoch after the event.
	NewEpoch uint64
	// Welcome is the Welcome event a commit with Adds is followed by (fanned out to Adds), or
	// nil.
	Welcome *Event
}

// OnAccept makes the hub call f with every commit and message it accepts, before it fans them
// out. The lab's invariant checks use it to know who was a member of each message's epoch.
func (p *Provider) OnAccept(f func(Accepted)) { p.onAccept = f }

// Interceptor decides what a provider sends its own clients: instead of sending a delivery
// itself, the provider hands it to Deliver, which may send it (with Provider.SendDeliver), send
// other deliveries before or after it, or hold it for later. The lab's hostile follower is one.
// events may be the provider's scratch space: an interceptor that keeps them copies them.
type Interceptor interface {
	Deliver(client, room string, events []Event)
}

// Intercept routes every delivery to the provider's own clients through i (nil: none).
func (p *Provider) Intercept(i Interceptor) { p.interceptor = i }

// SendDeliver sends one Deliver message with events to an own client, numbered with the
// client's next LinkSeq. It is what the provider does without an interceptor.
func (p *Provider) SendDeliver(client, room string, events []Event) {
	p.send1(p.clients[client], room, events)
}
