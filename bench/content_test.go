package bench

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/content"
)

// BenchmarkContentSeal measures what content.SealCost stands for: sealing an attachment with
// AES-128-GCM and hashing the ciphertext with SHA-256, per byte of plaintext. Run it with
// -cpu 1 on the reference machine to re-derive the constant.
func BenchmarkContentSeal(b *testing.B) {
	for _, size := range []int{64 << 10, 1 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			pt := make([]byte, size)
			key, nonce := make([]byte, content.KeySize), make([]byte, content.NonceSize)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := content.Seal(pt, key, nonce, nil, "application/octet-stream", ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size), "ns/B")
		})
	}
}

// BenchmarkContentHash is the SHA-256 share of BenchmarkContentSeal.
func BenchmarkContentHash(b *testing.B) {
	pt := make([]byte, 1<<20)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		sha256.Sum256(pt)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(pt)), "ns/B")
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("size=%dMiB", n>>20)
	}
	return fmt.Sprintf("size=%dKiB", n>>10)
}
