package ciphersuite

import (
	"crypto"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sort"

	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
)

// ID is an MLS cipher suite identifier (the CipherSuite uint16 on the wire).
type ID uint16

// Cipher suite identifiers (RFC 9420 §17.1, plus one private-use hybrid PQ suite).
const (
	MLS128DHKEMX25519AES128GCMSHA256Ed25519        ID = 0x0001
	MLS128DHKEMP256AES128GCMSHA256P256             ID = 0x0002
	MLS128DHKEMX25519ChaCha20Poly1305SHA256Ed25519 ID = 0x0003
	MLS256DHKEMX448AES256GCMSHA512Ed448            ID = 0x0004
	MLS256DHKEMP521AES256GCMSHA512P521             ID = 0x0005
	MLS256DHKEMX448ChaCha20Poly1305SHA512Ed448     ID = 0x0006
	MLS256DHKEMP384AES256GCMSHA384P384             ID = 0x0007
	// MLS128MLKEM768X25519AES128GCMSHA256Ed25519 is draft-ietf-mls-pq-ciphersuites-06's TBD1 suite
	// under a private-use code point (no IANA value is assigned yet); see the package doc.
	MLS128MLKEM768X25519AES128GCMSHA256Ed25519 ID = 0xF001
)

// LabelPrefix is prepended to every label of ExpandWithLabel, SignWithLabel and EncryptWithLabel.
const LabelPrefix = "MLS 1.0 "

// Errors.
var (
	ErrUnsupported   = errors.New("ciphersuite: unsupported cipher suite")
	ErrBadSignature  = errors.New("ciphersuite: signature verification failed")
	ErrBadKey        = errors.New("ciphersuite: malformed key")
	ErrDecrypt       = errors.New("ciphersuite: decryption failed")
	ErrOutputTooLong = errors.New("ciphersuite: requested KDF output too long")
)

// Suite holds the algorithms of one cipher suite. Suites are immutable and safe for concurrent use.
type Suite struct {
	id      ID
	name    string
	hash    crypto.Hash
	newHash func() hash.Hash
	kem     kemImpl
	kdfID   uint16
	aead    aeadAlg
	sig     SignatureScheme
}

var registry = map[ID]*Suite{}

func register(s *Suite) { registry[s.id] = s }

func init() {
	x25519 := newX25519KEM()
	register(&Suite{id: MLS128DHKEMX25519AES128GCMSHA256Ed25519, name: "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
		hash: crypto.SHA256, newHash: sha256.New, kem: x25519, kdfID: 0x0001, aead: aeadAES128GCM, sig: Ed25519})
	register(&Suite{id: MLS128DHKEMP256AES128GCMSHA256P256, name: "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
		hash: crypto.SHA256, newHash: sha256.New, kem: newStdKEM(0x0010), kdfID: 0x0001, aead: aeadAES128GCM, sig: ECDSAP256SHA256})
	register(&Suite{id: MLS128DHKEMX25519ChaCha20Poly1305SHA256Ed25519, name: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
		hash: crypto.SHA256, newHash: sha256.New, kem: x25519, kdfID: 0x0001, aead: aeadChaCha20Poly1305, sig: Ed25519})
	register(&Suite{id: MLS256DHKEMX448AES256GCMSHA512Ed448, name: "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
		hash: crypto.SHA512, newHash: sha512.New, kem: newX448KEM(), kdfID: 0x0003, aead: aeadAES256GCM, sig: Ed448})
	register(&Suite{id: MLS256DHKEMP521AES256GCMSHA512P521, name: "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
		hash: crypto.SHA512, newHash: sha512.New, kem: newStdKEM(0x0012), kdfID: 0x0003, aead: aeadAES256GCM, sig: ECDSAP521SHA512})
	register(&Suite{id: MLS256DHKEMX448ChaCha20Poly1305SHA512Ed448, name: "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
		hash: crypto.SHA512, newHash: sha512.New, kem: newX448KEM(), kdfID: 0x0003, aead: aeadChaCha20Poly1305, sig: Ed448})
	register(&Suite{id: MLS256DHKEMP384AES256GCMSHA384P384, name: "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
		hash: crypto.SHA384, newHash: sha512.New384, kem: newStdKEM(0x0011), kdfID: 0x0002, aead: aeadAES256GCM, sig: ECDSAP384SHA384})
	register(&Suite{id: MLS128MLKEM768X25519AES128GCMSHA256Ed25519, name: "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 (private use)",
		hash: crypto.SHA256, newHash: sha256.New, kem: newStdKEM(0x647a), kdfID: 0x0001, aead: aeadAES128GCM, sig: Ed25519})
}

// Lookup returns the suite for id, or ErrUnsupported.
func Lookup(id ID) (*Suite, error) {
	s, ok := registry[id]
	if !ok {
		return nil, fmt.Errorf("%w: 0x%04x", ErrUnsupported, uint16(id))
	}
	return s, nil
}

// Supported lists the supported suite identifiers in ascending order.
func Supported() []ID {
	ids := make([]ID, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// String returns the registry name of a supported suite, or its hexadecimal value.
func (id ID) String() string {
	if s, ok := registry[id]; ok {
		return s.name
	}
	return fmt.Sprintf("CipherSuite(0x%04x)", uint16(id))
}

// ID returns the suite identifier.
func (s *Suite) ID() ID { return s.id }

// String returns the registry name of the suite.
func (s *Suite) String() string { return s.name }

// SignatureScheme returns the suite's signature scheme.
func (s *Suite) SignatureScheme() SignatureScheme { return s.sig }

// KEMID, KDFID and AEADID return the HPKE algorithm identifiers of the suite.
func (s *Suite) KEMID() uint16  { return s.kem.id() }
func (s *Suite) KDFID() uint16  { return s.kdfID }
func (s *Suite) AEADID() uint16 { return s.aead.id }

// Nh is the output size of the suite's hash (and of KDF.Extract).
func (s *Suite) Nh() int { return s.hash.Size() }

// Nk is the AEAD key size.
func (s *Suite) Nk() int { return s.aead.nk }

// Nn is the AEAD nonce size.
func (s *Suite) Nn() int { return s.aead.nn }

// Hash returns Hash(data).
func (s *Suite) Hash(data []byte) []byte {
	h := s.newHash()
	h.Write(data)
	return h.Sum(nil)
}

// NewHash returns a fresh hash.Hash of the suite's hash function, for callers that hash many
// inputs and want to reuse one hasher (Reset, Write, Sum into a caller-owned buffer).
func (s *Suite) NewHash() hash.Hash { return s.newHash() }

// MAC returns HMAC(key, data) with the suite's hash. A key of at most a block and data of at
// most maxMACText bytes (an Extract's input key material, a confirmation tag's transcript hash) are
// hashed on the stack (hmacText), the rest by crypto/hmac.
func (s *Suite) MAC(key, data []byte) []byte {
	if block, size := hashBlock(s.hash); block != 0 && len(key) <= block && len(data) <= maxMACText {
		var buf [sha512.BlockSize + maxMACText]byte
		out := make([]byte, size)
		hmacText(s.hash, out, buf[:], block, size, key, block+copy(buf[block:], data))
		return out
	}
	m := hmac.New(s.newHash, key)
	m.Write(data)
	return m.Sum(nil)
}

// maxMACText bounds the data MAC hashes on the stack.
const maxMACText = 256

// VerifyMAC checks tag == MAC(key, data) in constant time.
func (s *Suite) VerifyMAC(key, data, tag []byte) bool {
	return subtle.ConstantTimeCompare(s.MAC(key, data), tag) == 1
}

// Extract is KDF.Extract(salt, ikm) (HKDF-Extract). An empty salt is equivalent to Nh zero bytes.
// HKDF-Extract is HMAC(salt, ikm) (RFC 5869 §2.2); HMAC zero-pads its key, so an empty salt and Nh
// zero bytes give the same PRK.
func (s *Suite) Extract(salt, ikm []byte) []byte {
	return s.MAC(salt, ikm)
}

// Expand is KDF.Expand(prk, info, length) (HKDF-Expand).
func (s *Suite) Expand(prk, info []byte, length int) ([]byte, error) {
	if length < 0 || length > 255*s.Nh() {
		return nil, ErrOutputTooLong
	}
	if length <= s.Nh() {
		out := make([]byte, length)
		if s.expandOneBlock(out, prk, info) {
			return out, nil
		}
	}
	return hkdf.Expand(s.newHash, prk, string(info), length)
}

// ExpandWithLabel is
//
//	KDF.Expand(secret, KDFLabel{uint16 length; opaque label<V> = "MLS 1.0 " + label; opaque context<V>}, length)
func (s *Suite) ExpandWithLabel(secret []byte, label string, context []byte, length int) ([]byte, error) {
	if length < 0 || length > 0xffff {
		return nil, ErrOutputTooLong
	}
	out := make([]byte, length)
	if err := s.ExpandWithLabelTo(out, secret, label, context); err != nil {
		return nil, err
	}
	return out, nil
}

// ExpandWithLabelTo is ExpandWithLabel writing its len(out) bytes into out (which may alias
// secret), for callers that keep secrets in their own storage.
func (s *Suite) ExpandWithLabelTo(out, secret []byte, label string, context []byte) error {
	length := len(out)
	if length > 0xffff {
		return ErrOutputTooLong
	}
	var stack [128]byte
	info := kdfLabel(stack[:0], length, label, context)
	if length <= s.Nh() && s.expandOneBlock(out, secret, info) {
		return nil
	}
	b, err := s.Expand(secret, info, length)
	if err != nil {
		return err
	}
	copy(out, b)
	clear(b)
	return nil
}

// kdfLabel appends KDFLabel{uint16 length; opaque label<V> = "MLS 1.0 " + label; opaque
// context<V>} to b.
func kdfLabel(b []byte, length int, label string, context []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(length))
	b = appendOpaque(b, LabelPrefix, label)
	return appendOpaque(b, "", string(context))
}

// DeriveSecret is ExpandWithLabel(secret, label, "", Nh).
func (s *Suite) DeriveSecret(secret []byte, label string) ([]byte, error) {
	return s.ExpandWithLabel(secret, label, nil, s.Nh())
}

// DeriveTreeSecret is ExpandWithLabel(secret, label, uint32 generation, length) (§9).
func (s *Suite) DeriveTreeSecret(secret []byte, label string, generation uint32, length int) ([]byte, error) {
	var ctx [4]byte
	binary.BigEndian.PutUint32(ctx[:], generation)
	return s.ExpandWithLabel(secret, label, ctx[:], length)
}

// RefHash is Hash(RefHashInput{opaque label<V>; opaque value<V>}) (§5.2). The label is used as given.
func (s *Suite) RefHash(label string, value []byte) []byte {
	buf := make([]byte, 0, 8+len(label)+len(value))
	buf = appendOpaque(buf, "", label)
	buf = appendOpaque(buf, "", string(value))
	return s.Hash(buf)
}

// MakeKeyPackageRef is RefHash("MLS 1.0 KeyPackage Reference", encoded KeyPackage).
func (s *Suite) MakeKeyPackageRef(keyPackage []byte) []byte {
	return s.RefHash("MLS 1.0 KeyPackage Reference", keyPackage)
}

// MakeProposalRef is RefHash("MLS 1.0 Proposal Reference", encoded AuthenticatedContent).
func (s *Suite) MakeProposalRef(authenticatedContent []byte) []byte {
	return s.RefHash("MLS 1.0 Proposal Reference", authenticatedContent)
}

// appendOpaque appends opaque<V> holding prefix+body; lengths here are far below the varint limit.
func appendOpaque(b []byte, prefix, body string) []byte {
	b, _ = codec.AppendVarint(b, uint64(len(prefix)+len(body)))
	b = append(b, prefix...)
	return append(b, body...)
}

// labeledContent encodes {opaque label<V> = "MLS 1.0 " + label; opaque content<V>}, the SignContent
// and EncryptContext structures of §5.1.2 and §5.1.3.
func labeledContent(label string, content []byte) []byte {
	b := make([]byte, 0, 8+len(LabelPrefix)+len(label)+len(content))
	b = appendOpaque(b, LabelPrefix, label)
	return appendOpaque(b, "", string(content))
}
