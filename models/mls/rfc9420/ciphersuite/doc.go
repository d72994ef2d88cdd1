// Package ciphersuite implements the MLS cipher suites of RFC 9420 §17.1 and the cryptographic
// operations the protocol builds on them (§5): Hash, MAC, KDF Extract/Expand, ExpandWithLabel,
// DeriveSecret, DeriveTreeSecret, RefHash (MakeKeyPackageRef, MakeProposalRef),
// SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel (HPKE base mode, RFC 9180),
// DeriveKeyPair and AEAD seal/open.
//
// Supported suites:
//
//	0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
//	0x0002 MLS_128_DHKEMP256_AES128GCM_SHA256_P256
//	0x0003 MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
//	0x0004 MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448        (X448/Ed448 from cloudflare/circl)
//	0x0005 MLS_256_DHKEMP521_AES256GCM_SHA512_P521
//	0x0006 MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 (X448/Ed448 from cloudflare/circl)
//	0x0007 MLS_256_DHKEMP384_AES256GCM_SHA384_P384
//	0xF001 MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 (private use, see below)
//
// Everything except X448/Ed448 uses the Go standard library: crypto/hpke for HPKE (RFC 9180),
// crypto/hkdf, crypto/hmac, crypto/sha256, crypto/sha512, crypto/ed25519, crypto/ecdsa, crypto/aes
// and crypto/cipher, plus golang.org/x/crypto/chacha20poly1305 for the ChaCha20-Poly1305 AEAD.
//
// # Post-quantum hybrid suite
//
// draft-ietf-mls-pq-ciphersuites-06 (Mahy, Barnes; July 2026) defines
// MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 with HPKE KEM 0x647a (MLKEM768-X25519, "X-Wing",
// draft-ietf-hpke-pq), KDF 0x0001 (HKDF-SHA256), AEAD 0x0001 (AES-128-GCM), SHA-256 and Ed25519, but
// its IANA value is still "TBD1": no MLS cipher suite code point is assigned. This package therefore
// uses the private-use value 0xF001 (RFC 9420 §17.1 reserves 0xF000-0xFFFF for private use). It is
// not interoperable with other implementations until IANA assigns the value; change
// MLS128MLKEM768X25519AES128GCMSHA256Ed25519 when that happens. The KEM is crypto/hpke's
// MLKEM768X25519; HPKE public keys are its 1216-byte encapsulation keys and private keys its
// 32-byte seeds.
//
// # Key formats
//
// Key encodings follow the MLS test-vector conventions: HPKE private keys are SerializePrivateKey
// output, HPKE public keys SerializePublicKey output; Ed25519/Ed448 private keys are the RFC 8032
// seeds, ECDSA private keys big-endian scalars of the field size and ECDSA public keys uncompressed
// SEC 1 points; ECDSA signatures are DER encoded (as in TLS 1.3).
package ciphersuite
