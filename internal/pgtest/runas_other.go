//go:build !unix

package pgtest

import "os/exec"

// runAs is never called here: only Unix has a root (os.Geteuid is -1 elsewhere).
func runAs(*exec.Cmd, int, int) {}
