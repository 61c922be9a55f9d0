//go:build !linux

package main

import (
	"context"
	"errors"
)

// yieldCPU is Linux only (see nice_linux.go).
func yieldCPU(context.Context, int) error {
	return errors.New("--nice works on Linux only")
}
