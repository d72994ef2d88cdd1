module git.schwanenlied.me/yawning/x448.git

go 1.22

require github.com/cloudflare/circl v1.3.7
