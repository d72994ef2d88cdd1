// Package codec implements the TLS presentation language as profiled by RFC 9420 §2.1: fixed-width
// big-endian integers, fixed-length opaque arrays, optional<T> (a uint8 presence flag of 0 or 1
// followed by the value) and variable-length vectors whose length prefix is the QUIC-style
// variable-length integer of §2.1.2 (2-bit length class, up to 2^30-1 bytes).
//
// Decoding is strict: a length prefix that is not minimally encoded, the reserved 0b11 prefix, a
// presence flag other than 0 or 1, a vector that overruns its container and trailing bytes are all
// errors. Decoding never panics on any input; errors are sticky on a Reader so structure decoders can
// read a whole structure and check Err once.
//
// Encoding appends to a Writer. A vector body is written through a callback and its length prefix is
// inserted afterwards, so nested structures need no pre-computed sizes.
package codec
