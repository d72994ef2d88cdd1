// Package testvectors locates and loads the official MLS interoperability test vectors
// (mlswg/mls-implementations, test-vectors.md format) for the rfc9420 tests.
//
// The directory is $MLS_TEST_VECTORS when set, otherwise ../shared/mls-test-vectors relative to the
// repository root (the nearest ancestor of the working directory holding go.mod). A missing directory
// or file fails the calling test: conformance tests never skip. The vectors are read in place and
// never copied into the repository.
package testvectors
