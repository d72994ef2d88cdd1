// Package client models the messaging clients of a MIMI room: devices that hold a real MLS
// member state, join from Welcomes, send application messages on a workload, and process what
// their provider delivers.
//
// Every MLS operation is executed for real through the mls.Engine interface; its virtual CPU time
// comes from a cost.Model and is charged on the client's single modelled core (a FIFO: an
// operation starts when the previous one has finished). The effects of an operation (a request
// sent, a message counted as decrypted) happen when its virtual CPU time has elapsed.
//
// Deliveries from the provider are applied in the provider's order (Deliver.LinkSeq), as over
// one connection; events for an epoch the client has not reached yet (or before it has joined)
// are held until it gets there. Every decrypted plaintext is compared with what the sender
// sent, through the Ledger.
//
// What does not verify is refused, not fatal (Recorder.Refused, with a kind): a ciphertext or
// commit the engine rejects, an event of an epoch the client has left behind, a copy of its
// own commit that differs from what it built, anything for an epoch before its removal. A
// commit that removes the client ends its membership (Recorder.Left, with its last state); it
// may be added again (churn.go).
//
// With Config.Retry (retry.go) a client survives lost requests and provider crashes: it resends
// an unanswered request unchanged after a jittered exponential timeout, honours Retry-After,
// keeps one message in flight at a time (a retry must not overtake a later message of its own),
// ignores answers to requests already answered, acknowledges deliveries and drops duplicates by
// link_seq.
package client
