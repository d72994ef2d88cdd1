module github.com/mimisim/mimisim

go 1.26.8

replace git.schwanenlied.me/yawning/x448.git => ./third_party/x448

require (
	filippo.io/edwards25519 v1.2.0
	github.com/cisco/go-mls v0.0.0-20210331162924-158a3829b839
	github.com/cisco/go-tls-syntax v0.0.0-20200615170901-cc95af012391
	github.com/cloudflare/circl v1.3.7
	github.com/goccy/go-yaml v1.19.2
	github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b
	golang.org/x/crypto v0.17.0
	gonum.org/v1/gonum v0.17.0
	gonum.org/v1/plot v0.17.0
)

require (
	codeberg.org/go-fonts/liberation v0.5.0 // indirect
	codeberg.org/go-latex/latex v0.2.0 // indirect
	codeberg.org/go-pdf/fpdf v0.11.1 // indirect
	git.schwanenlied.me/yawning/x448.git v0.0.0-20170617130356-01b048fb03d6 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/cisco/go-hpke v0.0.0-20200603153819-0a6c8374cd9a // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	golang.org/x/image v0.30.0 // indirect
	golang.org/x/sys v0.32.0 // indirect
	golang.org/x/text v0.28.0 // indirect
)
