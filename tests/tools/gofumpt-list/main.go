// Command gofumpt-list prints each named Go file that gofumpt would change,
// like `gofmt -l` (files that do not parse are skipped, as gofmt -l reports
// them on stderr only).
//
// The tests build it against Debian's gofumpt library (golang-mvdan-gofumpt-dev,
// gofumpt 0.4.0) in GOPATH mode, since no module proxy is reachable in CI:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gofumpt-list .
package main

import (
	"bytes"
	"fmt"
	"os"

	"mvdan.cc/gofumpt/format"
)

func main() {
	for _, path := range os.Args[1:] {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out, err := format.Source(src, format.Options{LangVersion: "v1.19"})
		if err == nil && !bytes.Equal(src, out) {
			fmt.Println(path)
		}
	}
}
