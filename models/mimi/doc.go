// Package mimi models MIMI providers (draft-ietf-mimi-protocol): one hub per room that orders
// every commit and message and fans them out, and follower providers that forward their
// clients' requests to the hub and deliver what the hub sends them.
//
// The endpoints keyMaterial, update, submitMessage and notify are implemented for real: every
// request and response is encoded to bytes in the wire format of wire.go (documented in
// docs/wire-format.md), the network carries exactly those bytes plus a fixed transport overhead,
// and the receiver decodes them. MLS messages travel inside as opaque byte strings; a provider
// never holds a key and never sees plaintext.
//
// Providers are servers with a number of cores and one FIFO request queue: a request waits for a
// free core, occupies it for RequestCost + ByteCost·size/KiB of virtual time, and its effects
// (state changes, responses, fan-out) happen when that service completes.
//
// Rules the hub enforces for each room:
//   - update: only members may commit (notAllowed); the first commit for the current epoch wins,
//     a commit for any other epoch gets wrongEpoch with the current epoch.
//   - submitMessage: only members may send (notAllowed); a message for an older epoch gets
//     epochTooOld and one for an epoch the hub has not reached gets wrongEpoch.
//   - notify: the hub sends each accepted event once to every follower that has a recipient.
//     A commit goes to every member, its sender included (the sender adopts it when it arrives
//     in order); a message goes to every member but its sender.
//
// Hooks (hooks.go): the hub reports every accepted event with its recipients (OnAccept), and
// a provider can route its deliveries to its own clients through an Interceptor, as the lab's
// hostile follower does.
//
// With Config.Recovery (recovery.go) providers survive lost messages and crashes: notifies and
// deliveries are kept until acknowledged and sent again with backoff, duplicates are dropped by
// link_seq, a retried commit or message is answered from the hub's record of what it accepted,
// a restarted provider answers Retry-After while it warms up, and Crash/Restart model an outage
// (the Recovery type documents what survives it). Without it nothing of this runs.
package mimi
