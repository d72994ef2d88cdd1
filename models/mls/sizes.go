package mls

import "math"

// Nominal sizes of RFC 9420 messages (ciphersuite 1, full ratchet tree), used for the members
// that sampled fidelity models instead of running. The figures are those of ../shared/REFERENCE.md
// ("MLS sizes"), measured there with an independent RFC 9420 implementation:
//   - a commit with an UpdatePath in a full tree ≈ 440 + 117·log2(N) bytes;
//   - an add-one commit without a path ≈ 530 bytes, and each further Add carries one KeyPackage
//     (≈ 350 bytes);
//   - a Welcome carrying the ratchet tree ≈ 354 bytes plus ≈ 335 bytes per member.
//
// They are estimates for RFC 9420, not for go-mls (draft-09), whose encodings are larger; runs
// in sampled fidelity say so in their manifest.
const (
	nominalPathCommitBase  = 440
	nominalPathCommitLevel = 117
	nominalAddCommit       = 530
	nominalKeyPackage      = 350
	nominalWelcomeBase     = 354
	nominalWelcomeMember   = 335
)

// NominalCommitSize returns the nominal encoded size of a commit of op in a group of n members
// after the commit, adding joiners members (for OpCommitAdd).
func NominalCommitSize(op Op, n, joiners int) int {
	switch op {
	case OpCommitAdd:
		if joiners < 1 {
			joiners = 1
		}
		return nominalAddCommit + nominalKeyPackage*(joiners-1)
	default: // commits with an UpdatePath: update, remove
		if n < 2 {
			n = 2
		}
		return nominalPathCommitBase + int(math.Round(nominalPathCommitLevel*math.Log2(float64(n))))
	}
}

// NominalWelcomeSize returns the nominal size of a Welcome with the ratchet tree of n members.
func NominalWelcomeSize(n int) int { return nominalWelcomeBase + nominalWelcomeMember*n }
