package mimi

import (
	"errors"
	"fmt"
)

// Type is the first byte of every encoded message after the version.
type Type uint8

// Message types. Requests and responses of one endpoint share a request id.
const (
	TypeKeyMaterialRequest    Type = 1
	TypeKeyMaterialResponse   Type = 2
	TypeUpdateRequest         Type = 3
	TypeUpdateResponse        Type = 4
	TypeSubmitMessageRequest  Type = 5
	TypeSubmitMessageResponse Type = 6
	TypeNotifyRequest         Type = 7
	TypeNotifyResponse        Type = 8
	TypeDeliver               Type = 9  // provider → its own client; no response
	TypeProposeRequest        Type = 10 // answered with an updateResponse
	// TypeRetryAfter answers any request (keyMaterial, update, submitMessage, notify) that the
	// receiver cannot serve now — a provider recovering after a restart, or overloaded — with
	// the time to wait.
	TypeRetryAfter Type = 11
	// TypeDeliverAck acknowledges the deliveries of one client up to a link_seq (client →
	// provider; only when delivery recovery is on).
	TypeDeliverAck Type = 12
)

func (t Type) String() string {
	switch t {
	case TypeKeyMaterialRequest:
		return "keyMaterialRequest"
	case TypeKeyMaterialResponse:
		return "keyMaterialResponse"
	case TypeUpdateRequest:
		return "updateRequest"
	case TypeUpdateResponse:
		return "updateResponse"
	case TypeSubmitMessageRequest:
		return "submitMessageRequest"
	case TypeSubmitMessageResponse:
		return "submitMessageResponse"
	case TypeNotifyRequest:
		return "notifyRequest"
	case TypeNotifyResponse:
		return "notifyResponse"
	case TypeDeliver:
		return "deliver"
	case TypeProposeRequest:
		return "proposeRequest"
	case TypeRetryAfter:
		return "retryAfter"
	case TypeDeliverAck:
		return "deliverAck"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Code is a response code.
type Code uint8

// Response codes, named after draft-ietf-mimi-protocol.
const (
	CodeSuccess         Code = 0 // update: success; submitMessage: accepted; notify, keyMaterial: success
	CodeWrongEpoch      Code = 1
	CodeNotAllowed      Code = 2
	CodeEpochTooOld     Code = 3
	CodeInvalidProposal Code = 4
	CodeUnknownRoom     Code = 5
	CodeNoKeyPackage    Code = 6
)

func (c Code) String() string {
	switch c {
	case CodeSuccess:
		return "success"
	case CodeWrongEpoch:
		return "wrongEpoch"
	case CodeNotAllowed:
		return "notAllowed"
	case CodeEpochTooOld:
		return "epochTooOld"
	case CodeInvalidProposal:
		return "invalidProposal"
	case CodeUnknownRoom:
		return "unknownRoom"
	case CodeNoKeyPackage:
		return "noKeyPackage"
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// WireVersion is the version byte that starts every message.
const WireVersion = 1

// TransportOverhead is the number of bytes added to every message on the wire for the transport
// the draft prescribes (HTTPS over mutually authenticated TLS 1.3). It is an estimate, not a
// measurement: a TLS 1.3 record header and AEAD tag with its content-type byte (5 + 16 + 1),
// an HTTP/2 DATA frame header (9) and a HEADERS frame for a POST with a short path after HPACK
// (about 40), rounded up to 80.
const TransportOverhead = 80

// KeyMaterialRequest claims one KeyPackage of a user (keyMaterial/{user}).
type KeyMaterialRequest struct {
	ReqID     uint64
	Requester string // the requesting client
	User      string // the user whose KeyPackage is claimed
	Room      string
}

// KeyMaterialResponse carries the claimed KeyPackage.
type KeyMaterialResponse struct {
	ReqID      uint64
	Code       Code
	User       string
	KeyPackage []byte
}

// UpdateRequest submits a commit (update/{roomId}). Adds and Removes state the participant-list
// change the commit makes; the hub applies it to its participant list when it accepts.
type UpdateRequest struct {
	ReqID     uint64
	Room      string
	Sender    string
	Epoch     uint64
	Adds      []string
	Removes   []string
	Handshake [][]byte
	Welcome   []byte
	// Pad and WelcomePad are bytes the commit and the Welcome would have beyond the real ones in
	// sampled fidelity (nominal size for the room's size minus real size). They are carried as
	// lengths: the network charges them, nobody parses them.
	Pad        uint32
	WelcomePad uint32
}

// ProposeRequest submits a proposal instead of a commit (update/{roomId}): a member's proposal
// to remove itself (Removes states that participant-list change: the sender, alone), or an
// Update proposal refreshing its own leaf (Removes empty). The hub keeps the proposals of the
// current epoch until a commit ends it, answers with an UpdateResponse (the epoch does not
// change) and fans the proposal out to the other members.
type ProposeRequest struct {
	ReqID    uint64
	Room     string
	Sender   string
	Epoch    uint64
	Removes  []string
	Proposal []byte
}

// UpdateResponse answers an UpdateRequest. Epoch is the room's epoch after the request:
// the new epoch on success, the current one on wrongEpoch.
type UpdateResponse struct {
	ReqID      uint64
	Code       Code
	Epoch      uint64
	AcceptedNs int64 // the hub's accepted_timestamp (virtual ns)
}

// SubmitMessageRequest submits an application message (submitMessage/{roomId}).
type SubmitMessageRequest struct {
	ReqID   uint64
	Room    string
	Sender  string
	Epoch   uint64
	Message []byte
}

// SubmitMessageResponse answers a SubmitMessageRequest.
type SubmitMessageResponse struct {
	ReqID      uint64
	Code       Code
	Epoch      uint64
	AcceptedNs int64
}

// EventKind says what a fan-out event carries.
type EventKind uint8

// Event kinds.
const (
	EventCommit  EventKind = 1
	EventMessage EventKind = 2
	EventWelcome EventKind = 3
	// EventProposal carries a member's proposal (Handshake[0]) to the other members, who keep
	// it until a commit of its epoch includes it.
	EventProposal EventKind = 4
)

// Event is one fan-out event of a room: an accepted commit, an accepted message or a Welcome.
// Seq is the hub's sequence number for the room; Recipients names the clients (of the provider
// it is sent to) that must receive it.
type Event struct {
	Kind       EventKind
	Seq        uint64
	Epoch      uint64
	Sender     string
	Recipients []string
	Handshake  [][]byte // commit: the handshake messages in order
	Payload    []byte   // message: the PrivateMessage; welcome: the Welcome
	AcceptedNs int64
	Pad        uint32 // bytes charged on the wire beyond Handshake/Payload (sampled fidelity)
}

// PadBytes returns the padding a message carries as a length (see UpdateRequest.Pad).
func PadBytes(m any) int {
	n := 0
	switch m := m.(type) {
	case *UpdateRequest:
		n = int(m.Pad) + int(m.WelcomePad)
	case *NotifyRequest:
		for i := range m.Events {
			n += int(m.Events[i].Pad)
		}
	case *Deliver:
		for i := range m.Events {
			n += int(m.Events[i].Pad)
		}
	}
	return n
}

// NotifyRequest carries fan-out events from the hub to a follower (notify/{roomId}).
type NotifyRequest struct {
	ReqID   uint64
	LinkSeq uint64 // the hub's counter of notifies to this follower, from 1: followers apply them in order
	Room    string
	Events  []Event
}

// NotifyResponse acknowledges a NotifyRequest.
type NotifyResponse struct {
	ReqID uint64
	Code  Code
}

// Deliver carries events from a provider to one of its own clients.
type Deliver struct {
	LinkSeq uint64 // the provider's counter of deliveries to this client, from 1: applied in order
	Room    string
	Events  []Event
}

// RetryAfter answers a request the receiver will not serve now: the sender should send it again,
// unchanged (same request id), after RetryAfterNs — the HTTP Retry-After of a 503 answer.
type RetryAfter struct {
	ReqID        uint64
	RetryAfterNs int64
}

// DeliverAck tells a provider that its client has applied every delivery up to LinkSeq.
type DeliverAck struct {
	LinkSeq uint64
}

// ErrDecode is wrapped by every decoding error.
var ErrDecode = errors.New("mimi: malformed message")

func (k EventKind) String() string {
	switch k {
	case EventCommit:
		return "commit"
	case EventMessage:
		return "message"
	case EventWelcome:
		return "welcome"
	case EventProposal:
		return "proposal"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}
